//! The GraphiQL playground, served entirely from the binary.
//!
//! GraphiQL, React and ReactDOM are vendored under `assets/graphiql/` (see
//! `assets/graphiql/VENDORED.md` for versions, checksums and how to upgrade)
//! and embedded with `include_bytes!`, so `GET /graphql` gives a working
//! playground on machines with no internet access and never makes the
//! browser fetch code from a third-party CDN.

use actix_web::{HttpResponse, http::header, web};

/// The assets change only with a new binary; a day of caching keeps the
/// ~1.5 MB bundle off the wire on reloads while an upgrade is picked up soon.
const CACHE_CONTROL: &str = "public, max-age=86400";

const JS: &str = "application/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Our own page; it loads only the `/graphiql/*` assets below.
const INDEX_HTML: &str = include_str!("../../assets/graphiql/index.html");

/// Registers `GET /graphiql/{file}` for the embedded assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphiql/{file}", web::get().to(asset));
}

/// The playground page; the caller mounts it at `GET /graphql`.
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX_HTML)
}

/// Embeds `assets/graphiql/$name` under the same name.
macro_rules! embedded {
    ($name:literal, $content_type:expr) => {
        (
            $name,
            include_bytes!(concat!("../../assets/graphiql/", $name)).as_slice(),
            $content_type,
        )
    };
}

/// Name, bytes and content type of every servable file. A fixed table rather
/// than a directory lookup: nothing outside it can ever be served. The licence
/// files are included because their notices must accompany the copies we ship.
const ASSETS: [(&str, &[u8], &str); 7] = [
    embedded!("react.production.min.js", JS),
    embedded!("react-dom.production.min.js", JS),
    embedded!("graphiql.min.js", JS),
    embedded!("graphiql.min.css", CSS),
    embedded!("LICENSE.graphiql", TEXT),
    embedded!("LICENSE.react", TEXT),
    embedded!("LICENSE.react-dom", TEXT),
];

async fn asset(file: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(name, ..)| *name == file.as_str()) {
        Some(&(_, body, content_type)) => HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
            .body(body),
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::{TestRequest, call_service, init_service, read_body};
    use actix_web::{App, http::StatusCode};

    fn header_of(resp: &actix_web::dev::ServiceResponse, name: header::HeaderName) -> Option<&str> {
        resp.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[actix_web::test]
    async fn serves_every_asset_as_embedded() {
        let app = init_service(App::new().configure(configure)).await;
        for (name, bytes, content_type) in ASSETS {
            let uri = format!("/graphiql/{name}");
            let resp = call_service(&app, TestRequest::get().uri(&uri).to_request()).await;
            assert_eq!(resp.status(), StatusCode::OK, "{uri}");
            assert_eq!(
                header_of(&resp, header::CONTENT_TYPE),
                Some(content_type),
                "{uri}"
            );
            assert_eq!(
                header_of(&resp, header::CACHE_CONTROL),
                Some(CACHE_CONTROL),
                "{uri}"
            );
            assert_eq!(read_body(resp).await.as_ref(), bytes, "{uri}");
        }
    }

    #[test]
    fn page_loads_only_embedded_assets() {
        let referenced: Vec<&str> = INDEX_HTML
            .split("\"/graphiql/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert_eq!(referenced.len(), 4, "{referenced:?}");
        for name in referenced {
            assert!(
                ASSETS.iter().any(|(n, ..)| *n == name),
                "{name} is not embedded"
            );
        }
    }

    #[actix_web::test]
    async fn unknown_or_traversing_names_are_404() {
        let app = init_service(App::new().configure(configure)).await;
        for path in [
            "/graphiql/nope.js",
            "/graphiql/index.html",
            "/graphiql/..%2FCargo.toml",
        ] {
            let resp = call_service(&app, TestRequest::get().uri(path).to_request()).await;
            assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        }
    }

    #[actix_web::test]
    async fn page_is_html_and_same_origin_only() {
        let app = init_service(App::new().route("/graphql", web::get().to(page))).await;
        let resp = call_service(&app, TestRequest::get().uri("/graphql").to_request()).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            header_of(&resp, header::CONTENT_TYPE),
            Some("text/html; charset=utf-8")
        );
        let body = read_body(resp).await;
        let html = String::from_utf8_lossy(&body);
        assert!(html.contains("<title>recruitmail GraphQL playground</title>"));
        assert!(
            !html.contains("http://") && !html.contains("https://") && !html.contains("src=\"//")
        );
    }
}
