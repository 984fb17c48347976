//! SeaORM models of recruitmail's tables.
//!
//! Storage shape only: no GraphQL derives and no business rules. The API converts
//! these models into its own types, so a new column is never exposed by accident.

pub mod enums;

pub mod api_token;
pub mod application;
pub mod audit_entry;
pub mod availability_override;
pub mod blob;
pub mod busy_interval;
pub mod candidate;
pub mod candidate_export;
pub mod company;
pub mod company_working_hours;
pub mod do_not_contact;
pub mod document;
pub mod document_category;
pub mod email_batch;
pub mod email_template;
pub mod email_template_document;
pub mod email_template_variant;
pub mod event;
pub mod external_calendar;
pub mod instance;
pub mod interview;
pub mod interview_participant;
pub mod interview_reminder;
pub mod interview_reminder_setting;
pub mod invitation;
pub mod message;
pub mod message_attachment;
pub mod message_content;
pub mod message_recipient;
pub mod position;
pub mod position_hiring_manager;
pub mod privacy_request;
pub mod recruiting_category;
pub mod recruiting_role;
pub mod role_assignment;
pub mod role_document_permission;
pub mod scheduling_link;
pub mod scheduling_setting;
pub mod subsidiary;
pub mod user;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;
pub mod working_hours;

pub mod candidate_legal_hold;
pub mod job_run;
