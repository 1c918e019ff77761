/** The agent sidecar (sans-IO) and its configuration. */
export { Agent, type AgentDeps, type AgentModelView } from "./agent.ts";
export {
  agentConfigFromEnv,
  replicaConfig,
  serverConfigAgentEnv,
  ENV,
  type AgentConfig,
  type AgentFlags,
  type AgentTiming,
  type ReplicaConfigMessage,
} from "./config.ts";
export { type AgentLifecycleState, agentLifecycleMachine } from "./lifecycle.ts";
export * as AGENT_CONSTANTS from "./constants.ts";
