//! Plain HTTP beside JSON-RPC on the same port: `GET /metrics` (Prometheus text), `GET /` and
//! `GET /health` (liveness with the head block), CORS for browser dapps and wallets (any
//! origin, as anvil allows by default), and the request size limit for bodies sent without a
//! length (jsonrpsee checks `Content-Length` itself, but answers an over-long chunked body with
//! an internal error rather than 413).

use http::{HeaderValue, Method, StatusCode, header};
use hyper::body::Body as _;
use jsonrpsee::{
    core::BoxError,
    server::{
        HttpBody, HttpRequest, HttpResponse, http::response::too_large, ws::is_upgrade_request,
    },
};
use std::{
    future::{Future, poll_fn},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};
use tephra_node::Node;

/// Tower layer that answers the plain HTTP routes and adds CORS headers.
#[derive(Debug, Clone)]
pub(crate) struct RoutesLayer {
    node: Arc<Node>,
    max_request_bytes: u32,
}

impl RoutesLayer {
    /// The layer, reporting on `node` and refusing bodies over `max_request_bytes`.
    pub(crate) fn new(node: Arc<Node>, max_request_bytes: u32) -> Self {
        Self { node, max_request_bytes }
    }
}

impl<S> tower::Layer<S> for RoutesLayer {
    type Service = Routes<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Routes { inner, node: self.node.clone(), max_request_bytes: self.max_request_bytes }
    }
}

/// The service [`RoutesLayer`] builds.
#[derive(Debug, Clone)]
pub(crate) struct Routes<S> {
    inner: S,
    node: Arc<Node>,
    max_request_bytes: u32,
}

type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send + 'static>>;

impl<S> tower::Service<HttpRequest> for Routes<S>
where
    S: tower::Service<HttpRequest, Response = HttpResponse> + Clone + Send + 'static,
    S::Error: Into<BoxError> + 'static,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        if request.method() == Method::OPTIONS {
            return ready(preflight(&request));
        }
        if request.method() == Method::GET && !is_upgrade_request(&request) {
            match request.uri().path() {
                "/metrics" => {
                    let text = self.node.render_metrics();
                    return ready(plain(
                        StatusCode::OK,
                        "text/plain; version=0.0.4; charset=utf-8",
                        text,
                    ));
                }
                "/" | "/health" => {
                    let head = self.node.chain().head();
                    let body = format!(
                        "{{\"status\":\"ok\",\"chainId\":{},\"block\":{}}}",
                        self.node.config().chain_id,
                        head.header.number
                    );
                    return ready(plain(StatusCode::OK, "application/json", body));
                }
                _ => {}
            }
        }
        // Take the service that was polled ready; leave a clone for the next request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let limit = self.max_request_bytes;
        Box::pin(async move {
            let unsized_post = request.method() == Method::POST
                && !request.headers().contains_key(header::CONTENT_LENGTH)
                && !is_upgrade_request(&request);
            let request = if unsized_post {
                match buffer(request, limit).await? {
                    Ok(request) => request,
                    Err(refused) => return Ok(refused),
                }
            } else {
                request
            };
            let mut response = inner.call(request).await.map_err(Into::into)?;
            response
                .headers_mut()
                .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
            Ok(response)
        })
    }
}

/// Reads a body sent without a length (chunked) up to `limit` bytes and hands it on with its
/// length; past the limit, the answer is jsonrpsee's own 413 "request too big".
async fn buffer(
    request: HttpRequest,
    limit: u32,
) -> Result<Result<HttpRequest, HttpResponse>, BoxError> {
    let (mut parts, mut body) = request.into_parts();
    let mut bytes = Vec::new();
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        if let Some(data) = frame?.data_ref() {
            if bytes.len() + data.len() > limit as usize {
                return Ok(Err(too_large(limit)));
            }
            bytes.extend_from_slice(data);
        }
    }
    parts.headers.remove(header::TRANSFER_ENCODING);
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    Ok(Ok(HttpRequest::from_parts(parts, HttpBody::from(bytes))))
}

fn ready(response: HttpResponse) -> ResponseFuture {
    Box::pin(std::future::ready(Ok(response)))
}

fn plain(status: StatusCode, content_type: &'static str, body: String) -> HttpResponse {
    let mut response = HttpResponse::new(HttpBody::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

/// A CORS preflight answer allowing any origin, the JSON-RPC methods and the headers asked for.
fn preflight(request: &HttpRequest) -> HttpResponse {
    let mut response = plain(StatusCode::NO_CONTENT, "text/plain", String::new());
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    let asked = request.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        asked.unwrap_or_else(|| HeaderValue::from_static("content-type")),
    );
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    response
}
