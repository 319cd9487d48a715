//! A tiny HTTP/1.1 server on loopback that serves one document (the status file),
//! and a tiny client to fetch it: just enough HTTP for a test, with bounded sizes
//! and times.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::runner::Failure;

/// The largest request head or response the test accepts.
const MAX_BYTES: usize = 64 * 1024;
/// How long one exchange may take.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(5);

/// A server answering `GET path` with the current body (and 404 for anything else).
#[derive(Debug)]
pub struct StatusServer {
    body: Arc<Mutex<Option<String>>>,
    task: JoinHandle<()>,
}

impl StatusServer {
    /// Listens on `127.0.0.1:port` and serves `path`; no body yet (404).
    pub async fn start(port: u16, path: &'static str) -> Result<Self, Failure> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| Failure::new(format!("HTTP server on 127.0.0.1:{port}: {e}")))?;
        let body: Arc<Mutex<Option<String>>> = Arc::default();
        let shared = body.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let body = shared.lock().map(|b| b.clone()).unwrap_or(None);
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(EXCHANGE_TIMEOUT, serve(stream, path, body)).await;
                });
            }
        });
        Ok(Self { body, task })
    }

    /// Serves `body` from now on.
    pub fn set_body(&self, body: impl Into<String>) {
        if let Ok(mut current) = self.body.lock() {
            *current = Some(body.into());
        }
    }
}

impl Drop for StatusServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, path: &str, body: Option<String>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() + n > MAX_BYTES {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.split_whitespace();
    let (method, target) = (words.next(), words.next());
    let response = match (method, target, body) {
        (Some("GET"), Some(t), Some(body)) if t == path => format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        ),
        _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
    };
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// Fetches an `http://127.0.0.1:PORT/path` URL; the body of a 200 answer.
pub async fn get(url: &str) -> Result<String, Failure> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| Failure::new(format!("{url}: only http:// on loopback is fetched")))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if !authority.starts_with("127.0.0.1:") {
        return Err(Failure::new(format!("{url}: only 127.0.0.1 is fetched")));
    }
    let path = if path.is_empty() { "/" } else { path };
    let exchange = async {
        let mut stream = TcpStream::connect(authority).await?;
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        (&mut stream)
            .take(MAX_BYTES as u64 + 1)
            .read_to_end(&mut response)
            .await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(EXCHANGE_TIMEOUT, exchange)
        .await
        .map_err(|_| Failure::new(format!("{url}: no answer within {EXCHANGE_TIMEOUT:?}")))?
        .map_err(|e| Failure::new(format!("{url}: {e}")))?;
    if response.len() > MAX_BYTES {
        return Err(Failure::new(format!(
            "{url}: answer larger than {MAX_BYTES} bytes"
        )));
    }
    let text = String::from_utf8(response).map_err(|e| Failure::new(format!("{url}: {e}")))?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| Failure::new(format!("{url}: not an HTTP answer")))?;
    let status = head.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(Failure::new(format!("{url}: {status}")));
    }
    Ok(body.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_and_fetches() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let server = StatusServer::start(port, "/status.json").await.unwrap();
        let url = format!("http://127.0.0.1:{port}/status.json");
        assert!(get(&url).await.unwrap_err().to_string().contains("404"));
        server.set_body("{}");
        assert_eq!(get(&url).await.unwrap(), "{}");
        let other = format!("http://127.0.0.1:{port}/other");
        assert!(get(&other).await.is_err());
        assert!(get("https://status.home.test/x").await.is_err());
    }
}
