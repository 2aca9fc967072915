// A container's resources after parsing and defaulting (src/manifest/resources.ts).

/** cpu in millicores; memory, ephemeral-storage and hugepages-* in bytes. */
export type ResourceList = Record<string, bigint>;
export interface ContainerResources { requests: ResourceList; limits: ResourceList }
