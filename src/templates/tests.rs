//! Compiling and rendering whole templates.

use entity::enums::Gender;

use super::*;

fn maria() -> Values {
    Values {
        first_name: Some("Maria".into()),
        last_name: Some("Schmidt".into()),
        full_name: Some("Maria Schmidt".into()),
        email: Some("maria@example.com".into()),
        position_name: Some("Backend Engineer".into()),
        company_name: Some("Acme GmbH".into()),
        subsidiary_name: Some("Acme Berlin GmbH".into()),
        sender_name: Some("Jonas Weber".into()),
        sender_email: Some("jonas@acme.example".into()),
        application_date: Some("3 November 2026".into()),
        today: Some("22 November 2026".into()),
        scheduling_link: Some("https://jobs.acme.example/schedule/rms_x".into()),
        privacy_link: Some("https://jobs.acme.example/privacy/rmp_1_x".into()),
        interview: Some(InterviewValues {
            title: "Technical interview".into(),
            date: "Tuesday, 1 December 2026".into(),
            time: "14:30".into(),
            end_time: "15:30".into(),
            duration: "1 h".into(),
            time_zone: "Europe/Berlin (CET)".into(),
            location: Some("Hauptstraße 1, Berlin".into()),
            link: Some("https://meet.example.com/abc".into()),
            participants: Some("Jonas Weber, Lea Fischer".into()),
        }),
        ..Values::for_gender(Gender::Female)
    }
}

fn compile(body: &str) -> Result<Compiled, TemplateError> {
    Compiled::new("Subject", body, false)
}

fn render_text(subject: &str, body: &str, values: &Values) -> Rendered {
    Compiled::new(subject, body, true)
        .unwrap()
        .render(values, None)
        .unwrap()
}

#[test]
fn every_placeholder_renders_its_value() {
    let values = maria();
    for placeholder in PLACEHOLDERS {
        let expected = placeholder.value(&values).unwrap();
        let rendered = render_text(
            &format!("{{{{ {} }}}}", placeholder.name),
            &format!("<p>{{{{ {} }}}}</p>", placeholder.name),
            &values,
        );
        assert_eq!(rendered.subject, expected, "{}", placeholder.name);
        assert_eq!(rendered.text, expected, "{}", placeholder.name);
        assert!(rendered.missing.is_empty());
    }
}

#[test]
fn placeholders_without_a_value_render_empty_and_are_reported() {
    let values = Values {
        first_name: Some("Maria".into()),
        ..Values::for_gender(Gender::Unknown)
    };
    let rendered = render_text(
        "{{ position_name }} at {{ company_name }}",
        "<p>Hi {{ first_name }}, see you {{ interview_date }} {{ interview_link }}.</p>",
        &values,
    );
    assert_eq!(rendered.subject, "at");
    assert_eq!(rendered.text, "Hi Maria, see you  .");
    assert_eq!(
        rendered.missing,
        [
            "position_name",
            "company_name",
            "interview_date",
            "interview_link"
        ]
    );
}

#[test]
fn gender_forms_follow_the_candidate() {
    let with_neutral = "{{ gender(m=\"Lieber\", f=\"Liebe\", n=\"Hallo\") }} {{ first_name }}";
    let without = "{{ gender(m=\"Lieber Bewerber\", f=\"Liebe Bewerberin\") }}";
    let cases = [
        (Gender::Male, "Lieber Maria", "Lieber Bewerber"),
        (Gender::Female, "Liebe Maria", "Liebe Bewerberin"),
        (
            Gender::Diverse,
            "Hallo Maria",
            "Lieber Bewerber / Liebe Bewerberin",
        ),
        (
            Gender::Unknown,
            "Hallo Maria",
            "Lieber Bewerber / Liebe Bewerberin",
        ),
    ];
    for (gender, neutral_case, joined_case) in cases {
        let values = Values { gender, ..maria() };
        let rendered = render_text(with_neutral, &format!("<p>{without}</p>"), &values);
        assert_eq!(rendered.subject, neutral_case, "{gender:?}");
        assert_eq!(rendered.text, joined_case, "{gender:?}");
        assert_eq!(rendered.html, format!("<p>{joined_case}</p>"), "{gender:?}");
    }
}

#[test]
fn conditions_leave_out_parts_without_values() {
    let body = "<p>Dear {{ first_name }},</p>\
        <p>{% if interview_link %}Join at <a href=\"{{ interview_link }}\">the call</a>.\
        {% else %}We meet at {{ interview_location }}.{% endif %}</p>\
        {% if not interview_link and interview_location %}<p>Bring your ID.</p>{% endif %}";
    let mut values = maria();
    let online = render_text("s", body, &values);
    assert_eq!(
        online.text,
        "Dear Maria,\n\nJoin at the call <https://meet.example.com/abc>."
    );
    if let Some(interview) = values.interview.as_mut() {
        interview.link = None;
    }
    let on_site = render_text("s", body, &values);
    assert_eq!(
        on_site.text,
        "Dear Maria,\n\nWe meet at Hauptstraße 1, Berlin.\n\nBring your ID."
    );
    assert!(on_site.missing.contains(&"interview_link"));
}

#[test]
fn values_are_escaped_in_html_and_plain_in_text() {
    let values = Values {
        first_name: Some("<script>alert(1)</script> & \"Co\"".into()),
        ..maria()
    };
    let rendered = render_text("Hi {{ first_name }}", "<p>Hi {{ first_name }}</p>", &values);
    assert!(!rendered.html.contains("<script>"), "{}", rendered.html);
    assert!(rendered.html.contains("&lt;script&gt;"));
    assert_eq!(rendered.text, "Hi <script>alert(1)</script> & \"Co\"");
    assert_eq!(rendered.subject, "Hi <script>alert(1)</script> & \"Co\"");
}

#[test]
fn line_breaks_in_values_cannot_add_headers() {
    let values = Values {
        position_name: Some("Engineer\r\nBcc: victim@example.com\n".into()),
        ..maria()
    };
    let rendered = render_text("Re: {{ position_name }}", "<p>x</p>", &values);
    assert_eq!(rendered.subject, "Re: Engineer Bcc: victim@example.com");
    for bad in ["Hi\r\nBcc: x@example.com", "Tab\there"] {
        let err = Compiled::new(bad, "<p>x</p>", false).unwrap_err();
        assert_eq!(err.part, Part::Subject);
    }
}

#[test]
fn filters_change_case() {
    let rendered = render_text(
        "{{ last_name | upper }} {{ first_name | lower }}",
        "<p>{{ position_name | title }}</p>",
        &maria(),
    );
    assert_eq!(rendered.subject, "SCHMIDT maria");
    assert_eq!(rendered.text, "Backend Engineer");
}

#[test]
fn editor_markup_inside_tags_is_tolerated() {
    let rendered = render_text(
        "s",
        "<p>Hallo {{&nbsp;<strong>first_name</strong> }}, {{ gender(m=&quot;Herr&quot;, f=&quot;Frau&quot;) }}</p>",
        &maria(),
    );
    assert_eq!(rendered.text, "Hallo Maria, Frau");
}

#[test]
fn the_signature_is_appended_to_both_parts() {
    let signature = Signature::new("<p>Jonas Weber<br>Recruiting</p>").unwrap();
    let rendered = Compiled::new("s", "<p>Hi {{ first_name }}</p>", false)
        .unwrap()
        .render(&maria(), Some(&signature))
        .unwrap();
    assert_eq!(rendered.text, "Hi Maria\n\n-- \nJonas Weber\nRecruiting");
    assert!(
        rendered
            .html
            .ends_with("<p>Jonas Weber<br>Recruiting</p></div>")
    );
}

// --- refused on save -------------------------------------------------------

#[test]
fn an_unknown_placeholder_is_named_with_its_position_and_the_valid_names() {
    let err = compile("<p>Hello,</p>\n<p>dear {{ frist_name }}</p>").unwrap_err();
    assert_eq!(err.part, Part::Body);
    assert_eq!(err.position, Some((2, 12)));
    assert_eq!(err.placeholder(), Some("frist_name"));
    assert!(err.allowed().contains(&"first_name"));
    assert!(!err.allowed().contains(&"interview_date"));
    let message = err.to_string();
    assert!(
        message.starts_with("body, line 2, column 12: unknown placeholder `frist_name`"),
        "{message}"
    );
    assert!(message.contains("first_name, last_name"), "{message}");
}

#[test]
fn unknown_placeholders_are_found_in_the_subject_and_in_conditions() {
    let err = Compiled::new("Your {{ job }}", "<p>x</p>", false).unwrap_err();
    assert_eq!((err.part, err.position), (Part::Subject, Some((1, 9))));
    let err = compile("<p>{% if salary %}x{% endif %}</p>").unwrap_err();
    assert_eq!(err.placeholder(), Some("salary"));
    assert_eq!(err.position, Some((1, 10)));
    let err = compile("<p>{{ candidate.first_name }}</p>").unwrap_err();
    assert_eq!(err.placeholder(), Some("candidate.first_name"));
}

#[test]
fn interview_placeholders_need_an_interview_template() {
    let err = compile("<p>See you on {{ interview_date }}</p>").unwrap_err();
    assert!(matches!(err.problem, Problem::InterviewPlaceholder { .. }));
    assert_eq!(err.placeholder(), Some("interview_date"));
    assert_eq!(err.position, Some((1, 18)));
    assert!(err.to_string().contains("interview-related"));
    assert!(Compiled::new("s", "<p>{{ interview_date }}</p>", true).is_ok());
}

#[test]
fn syntax_errors_carry_tera_s_position_and_expectation() {
    let err = compile("<p>Hi</p>\n<p>{{ first_name </p>").unwrap_err();
    let Problem::Syntax(expected) = &err.problem else {
        panic!("{err:?}")
    };
    assert!(expected.starts_with("expected"), "{expected}");
    assert_eq!(err.position.map(|p| p.0), Some(2));
    assert!(compile("{% if first_name %}open").is_err());
    assert!(compile("{% endif %}").is_err());
}

#[test]
fn malformed_gender_forms_are_refused() {
    for (body, says) in [
        ("{{ gender(m=\"Herr\") }}", "both `m` and `f`"),
        (
            "{{ gender(m=\"a\", f=\"b\", x=\"c\") }}",
            "unknown argument `x`",
        ),
        ("{{ gender(m=first_name, f=\"b\") }}", "quoted text"),
        ("{{ gender(m=\"a}b\", f=\"b\") }}", "plain text"),
        ("{{ gender(m=\"\", f=\"b\") }}", "empty"),
    ] {
        let err = compile(body).unwrap_err();
        assert!(
            matches!(err.problem, Problem::GenderForm(_)),
            "{body}: {err}"
        );
        assert!(err.to_string().contains(says), "{body}: {err}");
        assert_eq!(err.position, Some((1, 4)), "{body}");
    }
}

#[test]
fn constructs_outside_the_subset_are_refused_with_their_position() {
    for (body, says) in [
        (
            "x\n{% for i in range(end=1000000000) %}x{% endfor %}",
            "loops",
        ),
        ("{% set x = \"y\" %}", "`set`"),
        ("{% include \"secret.html\" %}", "`include`"),
        ("{% import \"m.html\" as m %}", "`import`"),
        ("{% macro m() %}x{% endmacro %}", "macros"),
        ("{% block b %}x{% endblock %}", "blocks"),
        ("{% filter upper %}x{% endfilter %}", "filter sections"),
        ("{{ get_env(name=\"HOME\") }}", "function `get_env`"),
        ("{{ now() }}", "function `now`"),
        (
            "{{ first_name | replace(from=\"a\", to=\"bbbbbbbb\") }}",
            "filter `replace`",
        ),
        ("{{ first_name | safe }}", "filter `safe`"),
        ("{{ 1 + 2 }}", "not an expression"),
        (
            "{% if first_name > 3 %}x{% endif %}",
            "conditions may combine",
        ),
    ] {
        let err = compile(body).unwrap_err();
        assert!(
            matches!(err.problem, Problem::Unsupported(_)),
            "{body}: {err}"
        );
        assert!(err.to_string().contains(says), "{body}: {err}");
        assert!(err.position.is_some(), "{body}: {err}");
    }
    assert!(compile("{% extends \"base.html\" %}").is_err());
}

#[test]
fn hostile_templates_are_refused_before_rendering() {
    let deep_blocks = "{% if first_name %}".repeat(200) + &"{% endif %}".repeat(200);
    let deep_brackets = format!(
        "{{{{ {}first_name{} }}}}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let deep_html = "<div>".repeat(5000) + "{{ first_name }}";
    let many_prints = "{{ first_name }}".repeat(check::MAX_PRINTS + 1);
    let huge = "x".repeat(MAX_BODY_BYTES + 1);
    // Tags a naive scan would misread: `{{ end }}` looks like a block end,
    // and a quote inside a raw block hides what follows from a quote-aware scan.
    let misleading_ends = "{%if first_name%}{{end}}".repeat(10_000);
    let hidden_by_raw =
        "{% raw %}{{ \"{% endraw %}".to_owned() + &"{%if first_name%}".repeat(20_000);
    let unclosed_markup = "<a".repeat(120_000);
    let long_condition = format!(
        "{{% if first_name{} %}}x{{% endif %}}",
        " and first_name".repeat(40)
    );
    for (name, body) in [
        ("deep blocks", deep_blocks),
        ("deep brackets", deep_brackets),
        ("deep html", deep_html),
        ("many prints", many_prints),
        ("huge body", huge),
        ("misleading ends", misleading_ends),
        ("hidden by raw", hidden_by_raw),
        ("unclosed markup", unclosed_markup),
        ("long condition", long_condition),
    ] {
        let err = compile(&body)
            .err()
            .unwrap_or_else(|| panic!("{name} was admitted"));
        assert!(matches!(err.problem, Problem::Limit(_)), "{name}: {err}");
    }
    let long_subject = "x".repeat(MAX_SUBJECT_CHARS + 1);
    assert!(Compiled::new(&long_subject, "<p>x</p>", false).is_err());
    assert!(Compiled::new("  ", "<p>x</p>", false).is_err());
}

#[test]
fn braces_that_open_no_tag_are_plain_text() {
    let body = "<p>{}</p>".repeat(20_000);
    let rendered = Compiled::new("s", &body, false)
        .unwrap()
        .render(&maria(), None)
        .unwrap();
    assert!(rendered.text.starts_with("{}\n\n{}"));
}

#[test]
fn tags_written_as_character_references_are_refused() {
    // The HTML part would show `{{ first_name }}` as text while the text part
    // filled it in: the two parts must say the same.
    for body in [
        "<p>&#123;&#123; first_name &#125;&#125;</p>",
        "<p>{{ first_name }} &#123;&#123; last_name &#125;&#125;</p>",
    ] {
        let err = compile(body).unwrap_err();
        assert!(matches!(err.problem, Problem::Syntax(_)), "{body}: {err}");
        assert!(err.to_string().contains("character references"), "{err}");
    }
}

#[test]
fn the_largest_admitted_template_renders_within_the_output_bound() {
    // As many prints as allowed, each of the longest value: the output stays
    // bounded because templates have no loops.
    let body = "<p>{{ interview_participants }}</p>".repeat(check::MAX_PRINTS);
    let compiled = Compiled::new("s", &body, true).unwrap();
    let mut values = maria();
    if let Some(interview) = values.interview.as_mut() {
        interview.participants = Some("Jonas Weber, ".repeat(150));
    }
    let rendered = compiled.render(&values, None).unwrap();
    assert!(rendered.html.len() < compiled::MAX_OUTPUT_BYTES);
    assert!(rendered.html.len() > 500 * 1900);
}

#[test]
fn compiled_templates_list_their_placeholders_in_catalogue_order() {
    let compiled = Compiled::new(
        "{{ position_name }}",
        "<p>{{ last_name }} {{ first_name }} {{ last_name }}</p>",
        false,
    )
    .unwrap();
    assert_eq!(
        compiled.placeholders().collect::<Vec<_>>(),
        ["first_name", "last_name", "position_name"]
    );
}

// --- snapshots of whole messages ------------------------------------------

const ACKNOWLEDGEMENT: &str = "<p>{{ gender(m=\"Dear Mr\", f=\"Dear Ms\", n=\"Dear\") }} {{ last_name }},</p>\
<p>thank you for applying as <strong>{{ position_name }}</strong> at {{ company_name }}. \
We received your documents on {{ application_date }} and will get back to you within two weeks.</p>\
<ul><li>Questions? Write to <a href=\"mailto:{{ sender_email }}\">{{ sender_name }}</a>.</li>\
<li>Our jobs: <a href=\"https://acme.example/jobs\">acme.example/jobs</a></li></ul>\
<p>Kind regards</p>";

const INVITATION: &str = "<p>{{ gender(m=\"Lieber\", f=\"Liebe\") }} {{ first_name }},</p>\
<p>wir laden dich zum Gespräch „{{ interview_title }}“ ein:</p>\
<ol><li>{{ interview_date }}, {{ interview_time }}–{{ interview_end_time }} ({{ interview_time_zone }}, {{ interview_duration }})</li>\
<li>{% if interview_link %}Online: <a href=\"{{ interview_link }}\">{{ interview_link }}</a>{% else %}Ort: {{ interview_location }}{% endif %}</li>\
<li>Mit dabei: {{ interview_participants }}</li></ol>";

#[test]
fn snapshot_acknowledgement_for_an_unknown_gender() {
    let signature = Signature::new("<p>Jonas Weber<br>Talent Acquisition, Acme GmbH</p>").unwrap();
    let values = Values {
        gender: Gender::Unknown,
        ..maria()
    };
    let rendered = Compiled::new(
        "Your application as {{ position_name }}",
        ACKNOWLEDGEMENT,
        false,
    )
    .unwrap()
    .render(&values, Some(&signature))
    .unwrap();
    insta::assert_snapshot!("acknowledgement_subject", rendered.subject);
    insta::assert_snapshot!("acknowledgement_text", rendered.text);
    insta::assert_snapshot!("acknowledgement_html", rendered.html);
}

#[test]
fn snapshot_invitation_in_german_for_a_male_candidate() {
    let values = Values {
        gender: Gender::Male,
        first_name: Some("Jörg".into()),
        ..maria()
    };
    let rendered = Compiled::new(
        "Einladung: {{ interview_title }} am {{ interview_date }}",
        INVITATION,
        true,
    )
    .unwrap()
    .render(&values, None)
    .unwrap();
    insta::assert_snapshot!("invitation_subject", rendered.subject);
    insta::assert_snapshot!("invitation_text", rendered.text);
    insta::assert_snapshot!("invitation_html", rendered.html);
}
