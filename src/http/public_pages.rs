//! Pages candidates open from their email, served from the binary so a link
//! works without a career site in front: `GET /schedule/{token}` is the page
//! behind `{{ scheduling_link }}`, `GET /privacy/{token}` the one behind
//! `{{ privacy_link }}`. The page is static; its script reads the
//! token from its own address and calls the public GraphQL operations, so
//! the server never renders candidate data into HTML.
//!
//! The token is a secret in the URL: the page sends no `Referer` anywhere
//! (`Referrer-Policy: no-referrer`), is never cached or framed, and its
//! Content Security Policy lets it load and call only this server.

use actix_web::{HttpResponse, http::header, web};

/// Only our own files and our own API; no inline script, no framing.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

const SCHEDULE_HTML: &str = include_str!("../../assets/public/schedule.html");
const PRIVACY_HTML: &str = include_str!("../../assets/public/privacy.html");

/// Name, bytes and content type of every asset: a fixed table, so nothing
/// else can ever be served from here.
const ASSETS: [(&str, &str, &str); 4] = [
    (
        "page.js",
        include_str!("../../assets/public/page.js"),
        "application/javascript; charset=utf-8",
    ),
    (
        "schedule.js",
        include_str!("../../assets/public/schedule.js"),
        "application/javascript; charset=utf-8",
    ),
    (
        "privacy.js",
        include_str!("../../assets/public/privacy.js"),
        "application/javascript; charset=utf-8",
    ),
    (
        "public.css",
        include_str!("../../assets/public/public.css"),
        "text/css; charset=utf-8",
    ),
];

/// Registers the candidates' pages and their assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/schedule/{token}", web::get().to(schedule))
        .route("/privacy/{token}", web::get().to(privacy))
        .route("/public/{file}", web::get().to(asset));
}

async fn schedule() -> HttpResponse {
    page(SCHEDULE_HTML)
}

async fn privacy() -> HttpResponse {
    page(PRIVACY_HTML)
}

/// The same page for every token: whether a link is valid is answered by
/// the API, under its rate limit, not by a different page here.
fn page(html: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .body(html)
}

async fn asset(file: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(name, ..)| *name == file.as_str()) {
        Some(&(_, body, content_type)) => HttpResponse::Ok()
            .content_type(content_type)
            // Changes only with a new binary; an hour keeps upgrades quick.
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(body),
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::{TestRequest, call_service, init_service, read_body};
    use actix_web::{App, http::StatusCode};

    #[actix_web::test]
    async fn the_pages_are_the_same_for_any_token_and_keep_the_token_to_themselves() {
        let app = init_service(App::new().configure(configure)).await;
        for (page, script) in [("schedule", "schedule.js"), ("privacy", "privacy.js")] {
            let uri = format!("/{page}/abc");
            let resp = call_service(&app, TestRequest::get().uri(&uri).to_request()).await;
            assert_eq!(resp.status(), StatusCode::OK);
            let header_of = |name| resp.headers().get(name).unwrap().to_str().unwrap();
            assert_eq!(header_of(header::REFERRER_POLICY), "no-referrer");
            assert_eq!(header_of(header::CACHE_CONTROL), "no-store");
            assert!(header_of(header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'"));
            let body = read_body(resp).await;
            assert!(!String::from_utf8_lossy(&body).contains("abc"));
            let html = String::from_utf8_lossy(&body);
            // The shared script first, then the page's own (both deferred,
            // so they run in this order).
            let shared = html.find("/public/page.js").unwrap();
            assert!(html[shared..].contains(&format!("/public/{script}")));
        }
    }

    #[actix_web::test]
    async fn only_the_listed_assets_are_served() {
        let app = init_service(App::new().configure(configure)).await;
        for (name, body, content_type) in ASSETS {
            let resp = call_service(
                &app,
                TestRequest::get()
                    .uri(&format!("/public/{name}"))
                    .to_request(),
            )
            .await;
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(
                resp.headers().get(header::CONTENT_TYPE).unwrap(),
                content_type
            );
            assert_eq!(read_body(resp).await, body.as_bytes());
        }
        for path in [
            "/public/schedule.html",
            "/public/privacy.html",
            "/public/..%2fCargo.toml",
            "/public/x",
        ] {
            let resp = call_service(&app, TestRequest::get().uri(path).to_request()).await;
            assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        }
    }
}
