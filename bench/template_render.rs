//! Rendering one template for one candidate (issue target: ≥ 50,000 renders/s
//! on one core, the template parsed once), and the worst template the checks
//! admit (target: well under 50 ms).
//!
//! Run: `cargo bench --bench template_render`

#![expect(
    clippy::expect_used,
    reason = "a benchmark, like a test, stops at the first broken premise"
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use entity::enums::Gender;
use recruitmail::templates::{Compiled, InterviewValues, Signature, Values};

/// About 3 KB of what a rich-text editor sends: ten placeholders, one gender form.
fn realistic_body() -> String {
    let paragraph = "<p>We have read your documents with great interest and would like to tell \
        you more about the team, the product and the way we work together every day.</p>";
    format!(
        "<p>{{{{ gender(m=\"Dear Mr\", f=\"Dear Ms\", n=\"Dear\") }}}} {{{{ last_name }}}},</p>\
         <p>thank you for applying as <strong>{{{{ position_name }}}}</strong> at \
         {{{{ company_name }}}} ({{{{ subsidiary_name }}}}). We received your application on \
         {{{{ application_date }}}} and confirm it was sent from {{{{ email }}}}.</p>\
         {}\
         <ul><li>First, a call with {{{{ sender_name }}}}.</li><li>Then a day with the team.</li>\
         <li>Finally, an offer.</li></ul>\
         {}\
         <p>Questions? Write to <a href=\"mailto:{{{{ sender_email }}}}\">{{{{ sender_name }}}}</a> \
         or visit <a href=\"https://acme.example/jobs\">our careers page</a>.</p>\
         <p>Kind regards, {{{{ first_name }}}}, on {{{{ today }}}}!</p>",
        paragraph.repeat(9),
        paragraph.repeat(7),
    )
}

fn values() -> Values {
    Values {
        first_name: Some("Maria".into()),
        last_name: Some("Schmidt".into()),
        full_name: Some("Maria Schmidt".into()),
        email: Some("maria.schmidt@example.com".into()),
        position_name: Some("Backend Engineer".into()),
        company_name: Some("Acme GmbH".into()),
        subsidiary_name: Some("Acme Berlin GmbH".into()),
        sender_name: Some("Jonas Weber".into()),
        sender_email: Some("jonas.weber@acme.example".into()),
        application_date: Some("3 November 2026".into()),
        today: Some("22 November 2026".into()),
        interview: Some(InterviewValues {
            participants: Some("Jonas Weber, ".repeat(150)),
            ..InterviewValues::default()
        }),
        ..Values::for_gender(Gender::Unknown)
    }
}

fn render(c: &mut Criterion) {
    let body = realistic_body();
    assert!((2800..3600).contains(&body.len()), "{} bytes", body.len());
    let compiled = Compiled::new("Your application as {{ position_name }}", &body, false)
        .expect("the benchmark template compiles");
    assert_eq!(compiled.placeholders().count(), 10);
    let signature = Signature::new("<p>Jonas Weber<br>Talent Acquisition, Acme GmbH</p>")
        .expect("the signature is valid");
    let values = values();

    let mut group = c.benchmark_group("template");
    group.throughput(Throughput::Elements(1));
    group.bench_function("render_3kb_10_placeholders", |b| {
        b.iter(|| compiled.render(black_box(&values), Some(&signature)))
    });
    group.bench_function("compile_3kb", |b| {
        b.iter(|| {
            Compiled::new(
                "Your application as {{ position_name }}",
                black_box(&body),
                false,
            )
        })
    });
    group.finish();

    // The largest output the checks admit: every allowed print holding the
    // longest value.
    let worst = "<p>{{ interview_participants }}</p>".repeat(500);
    let worst = Compiled::new("s", &worst, true).expect("the worst admitted template compiles");
    let mut group = c.benchmark_group("hostile");
    group.sample_size(20);
    group.bench_function("render_worst_admitted", |b| {
        b.iter(|| worst.render(black_box(&values), None))
    });
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
