/**
 * The built-in model every loaded model runs: identity. For the i-th input tensor it returns an
 * output tensor named `output-<i>` with the same datatype, shape and elements. Inputs are
 * validated first (see `tensors.ts`); the response uses `raw_output_contents` exactly when the
 * request used `raw_input_contents`, as MLServer decides.
 */
import type { PbModelInferRequest, PbInferOutputTensor } from "./messages.ts";
import { TensorError, hasNoContents, outputTensor, readFromContents, readFromRaw, type Tensor } from "./tensors.ts";

export const outputName = (index: number): string => `output-${index}`;

/** Reads every input tensor of a request. MLServer pairs raw entries with the inputs that carry
 * no typed contents, in order; we do the same and insist the counts agree. */
export function readInputs(request: PbModelInferRequest): Tensor[] {
  const inputs = request.inputs ?? [];
  const raws = request.raw_input_contents ?? [];
  if (raws.length === 0) return inputs.map((input) => readFromContents(input));
  let next = 0;
  const tensors = inputs.map((input) => {
    if (!hasNoContents(input)) return readFromContents(input);
    const raw = raws[next];
    if (raw === undefined) {
      throw new TensorError(
        `input "${input.name ?? ""}" has no typed contents and raw_input_contents has no entry left for it (${raws.length} given)`,
      );
    }
    return readFromRaw(input, raw, next++);
  });
  if (next !== raws.length) {
    throw new TensorError(`raw_input_contents has ${raws.length} entries but only ${next} inputs without typed contents`);
  }
  return tensors;
}

export interface InferOutputs {
  outputs: PbInferOutputTensor[];
  /** Present iff the request used raw inputs. */
  raw_output_contents?: Buffer[];
}

/** Runs the identity model; throws `TensorError` for a malformed request. */
export function identity(request: PbModelInferRequest): InferOutputs {
  const useRaw = (request.raw_input_contents?.length ?? 0) > 0;
  const inputs = readInputs(request);
  const outs = inputs.map((t, i) => outputTensor({ ...t, name: outputName(i) }, useRaw));
  const result: InferOutputs = { outputs: outs.map((o) => o.tensor) };
  if (useRaw) result.raw_output_contents = outs.map((o) => o.raw ?? Buffer.alloc(0));
  return result;
}
