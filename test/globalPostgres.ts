// One throwaway PostgreSQL cluster for the whole suite (test/postgresCluster.ts): each test that needs it makes its
// own database on it (freshDatabase). Stopped and removed when the suite ends.
import type { TestProject } from "vitest/node"
import { startPostgres } from "./postgresCluster.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** postgres://postgres@127.0.0.1:<port>/postgres */
    postgresAdminUrl: string
  }
}

export default async function setup(project: TestProject) {
  const cluster = await startPostgres()
  project.provide("postgresAdminUrl", cluster.urlOf("postgres"))
  return () => cluster.stop()
}
