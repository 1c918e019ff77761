/**
 * Shapes of the `inference.GRPCInferenceService` messages the fake MLServer reads and writes, as
 * `@grpc/proto-loader` decodes them with `PROTO_LOAD_OPTIONS` (snake_case field names, 64-bit
 * integers as numbers, `bytes` as `Buffer`). Decoding fills every field with its default, but the
 * component also accepts hand-written messages in tests, so every field is optional here and the
 * readers below supply the defaults.
 */

export interface PbInferParameter {
  bool_param?: boolean;
  int64_param?: number;
  string_param?: string;
  parameter_choice?: string;
}

export interface PbTensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: number[];
  uint_contents?: number[];
  uint64_contents?: number[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

export interface PbInferInputTensor {
  name?: string;
  datatype?: string;
  shape?: number[];
  parameters?: Record<string, PbInferParameter>;
  contents?: PbTensorContents | null;
}

export interface PbModelInferRequest {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, PbInferParameter>;
  inputs?: PbInferInputTensor[];
  outputs?: { name?: string; parameters?: Record<string, PbInferParameter> }[];
  raw_input_contents?: Uint8Array[];
}

export interface PbInferOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  contents?: PbTensorContents;
}

export interface PbModelInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: PbInferOutputTensor[];
  raw_output_contents?: Uint8Array[];
}

export interface PbModelRefRequest {
  /** `ModelReadyRequest` and `ModelMetadataRequest`. */
  name?: string;
  version?: string;
}

export interface PbModelMetadataResponse {
  name: string;
  versions: string[];
  platform: string;
  inputs: { name: string; datatype: string; shape: number[] }[];
  outputs: { name: string; datatype: string; shape: number[] }[];
}

export interface PbServerMetadataResponse {
  name: string;
  version: string;
  extensions: string[];
}

export interface PbRepositoryIndexRequest {
  repository_name?: string;
  ready?: boolean;
}

export interface PbModelIndex {
  name: string;
  version: string;
  state: string;
  reason: string;
}

export interface PbRepositoryIndexResponse {
  models: PbModelIndex[];
}

export interface PbModelRepositoryParameter {
  bool_param?: boolean;
  int64_param?: number;
  string_param?: string;
  bytes_param?: Uint8Array;
  parameter_choice?: string;
}

export interface PbRepositoryModelRequest {
  /** `RepositoryModelLoadRequest` and `RepositoryModelUnloadRequest`. */
  repository_name?: string;
  model_name?: string;
  parameters?: Record<string, PbModelRepositoryParameter>;
}
