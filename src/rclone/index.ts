export { Rclone, type RcloneOptions } from "./server.ts";
export { ArtifactStore, canonicalBackendType, DIR_NOT_FOUND, type StorageLocation, type StorageSpec } from "./store.ts";
export { parseFsString, quoteConnectionValue, type FsString } from "./fs-string.ts";
export { commandOfMethod, commandOfPath, RC_COMMANDS, RCLONE_DEFAULT_PORT, type RcCommand, type RcRequestMsg, type RcResponseMsg } from "./commands.ts";
