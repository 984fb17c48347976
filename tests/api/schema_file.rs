//! `schema.graphql` is the exported SDL, kept in step with the code.

use std::process::Command;

const SCHEMA_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");

#[test]
fn schema_file_equals_the_exported_sdl() {
    let on_disk = std::fs::read_to_string(SCHEMA_FILE).expect("schema.graphql exists");
    let exported = recruitmail::graphql::sdl();
    assert!(
        on_disk == exported,
        "schema.graphql is out of date: run `cargo run -q -- export-schema > schema.graphql`"
    );
}

#[test]
fn export_schema_command_prints_the_schema_file() {
    let output = Command::new(env!("CARGO_BIN_EXE_recruitmail"))
        .arg("export-schema")
        .output()
        .expect("binary runs");
    assert!(output.status.success());
    let on_disk = std::fs::read_to_string(SCHEMA_FILE).expect("schema.graphql exists");
    assert_eq!(String::from_utf8_lossy(&output.stdout), on_disk);
}

#[test]
fn schema_keeps_the_contract_names() {
    let sdl = recruitmail::graphql::sdl();
    for name in [
        "type Query {",
        "type Mutation {",
        "viewer:",
        "node(id: ID!): Node!",
        "candidates(first: Int, after: String, filter: CandidatesFilter)",
        "candidate(id: ID!): Candidate!",
        "applications(first: Int, after: String, filter: ApplicationsFilter)",
        "positions(",
        "categories: [Category!]!",
        "subsidiaries: [Subsidiary!]!",
        "createSubsidiary(input: CreateSubsidiaryInput!): SubsidiaryPayload!",
        "createCategory(input: CreateCategoryInput!): CategoryPayload!",
        "createPosition(input: CreatePositionInput!): PositionPayload!",
        "createCandidate(input: CreateCandidateInput!): CandidatePayload!",
        "updateCandidate(input: UpdateCandidateInput!): CandidatePayload!",
        "createApplication(input: CreateApplicationInput!): ApplicationPayload!",
        "createUser(input: CreateUserInput!): UserPayload!",
        "createRecruitingRole(input: CreateRecruitingRoleInput!): RecruitingRolePayload!",
        "assignRole(input: AssignRoleInput!): AssignRolePayload!",
        "createApiToken(input: CreateApiTokenInput!): CreateApiTokenPayload!",
        "enum Gender",
        "UNKNOWN",
        "totalCount: Int!",
        "pageInfo: PageInfo!",
    ] {
        assert!(sdl.contains(name), "schema lacks `{name}`");
    }
}
