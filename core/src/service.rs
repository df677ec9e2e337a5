use std::fmt::Display;
use std::future::poll_fn;

use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use tower_service::Service;

use crate::{Body, RequestObject, ResponseObject};

/// Runs one request through `service` and answers in Genezio's terms. A service error or a body
/// that fails mid-way answers 500 with the error's message.
pub async fn call<S, B>(mut service: S, request: Request<Body>) -> ResponseObject
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    let failed = |what: &str, e: &dyn Display| {
        ResponseObject::error(StatusCode::INTERNAL_SERVER_ERROR, &format!("{what}: {e}"))
    };
    if let Err(e) = poll_fn(|cx| service.poll_ready(cx)).await {
        return failed("service not ready", &e);
    }
    let response = match service.call(request).await {
        Ok(response) => response,
        Err(e) => return failed("service error", &e),
    };
    let (parts, body) = response.into_parts();
    match body.collect().await {
        Ok(collected) => {
            ResponseObject::from_http(Response::from_parts(parts, collected.to_bytes()))
        }
        Err(e) => failed("response body error", &e),
    }
}

/// [`call`] for a request object (its `rawBody` possibly apart, see
/// [`RequestObject::into_http_with_raw_body`]): a request object that is not a valid HTTP request answers
/// 400 without reaching the service.
pub async fn call_object<S, B>(
    service: S,
    object: RequestObject,
    raw_body: Option<bytes::Bytes>,
) -> ResponseObject
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    match object.into_http_with_raw_body(raw_body) {
        Ok(request) => call(service, request).await,
        Err(err) => err.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResponseBody;
    use axum::{extract::Path, routing::get, Router};

    #[tokio::test]
    async fn routes_see_the_path_without_class_and_method() {
        let app = Router::new().route(
            "/users/{id}",
            get(|Path(id): Path<u32>| async move { format!("user {id}") }),
        );
        let object =
            RequestObject::from_json(r#"{"http":{"method":"GET","path":"/Hello/api/users/7"}}"#)
                .unwrap();
        let answer = call_object(app.clone(), object, None).await;
        assert_eq!(answer.status_code, 200);
        assert_eq!(answer.body, ResponseBody::Text("user 7".into()));

        let object =
            RequestObject::from_json(r#"{"http":{"method":"GET","path":"/Hello/api/nope"}}"#)
                .unwrap();
        assert_eq!(call_object(app, object, None).await.status_code, 404);
    }

    #[tokio::test]
    async fn an_invalid_object_never_reaches_the_service() {
        let app =
            Router::new().fallback(|| async { unreachable!("must not be called") as &'static str });
        let object = RequestObject::from_json(r#"{"headers":{}}"#).unwrap();
        let answer = call_object(app, object, None).await;
        assert_eq!(answer.status_code, 400);
        assert!(String::from_utf8_lossy(answer.body.as_bytes()).contains("no `http` section"));
    }
}
