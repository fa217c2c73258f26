//! A misbehaving OpenAI-compatible embeddings server on loopback, for the fallback
//! tests: it answers well (vectors derived from the text's words), or with HTTP
//! 500, vectors of the wrong dimension, garbage, too slowly, or not at all.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// Dimensions of the vectors served in [`Mode::Good`].
pub const DIM: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    Good,
    Status500,
    WrongDimension,
    Garbage,
    Slow,
}

pub struct FakeEmbedServer {
    pub url: String,
    mode: Arc<AtomicU8>,
    stopped: Arc<AtomicBool>,
    port: u16,
    received: Arc<Mutex<Vec<String>>>,
}

impl FakeEmbedServer {
    pub fn start() -> FakeEmbedServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(Mode::Good as u8));
        let stopped = Arc::new(AtomicBool::new(false));
        let (serving_mode, serving_stopped) = (mode.clone(), stopped.clone());
        let received = Arc::new(Mutex::new(Vec::new()));
        let recording = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if serving_stopped.load(Ordering::SeqCst) {
                    // Dropping the listener refuses every later connection.
                    return;
                }
                let Ok(stream) = stream else { continue };
                let mode = serving_mode.load(Ordering::SeqCst);
                let recording = recording.clone();
                std::thread::spawn(move || serve(stream, mode, &recording));
            }
        });
        FakeEmbedServer { url: format!("http://127.0.0.1:{port}/v1"), mode, stopped, port, received }
    }

    /// Every text the server was asked to embed, in the order the requests came.
    pub fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    pub fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// Stops listening: connections are refused from now on.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag and drops the listener.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn serve(stream: TcpStream, mode: u8, received: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let inputs: Vec<String> = request["input"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default();
    received.lock().unwrap().extend(inputs.iter().cloned());
    let (status, reply) = match mode {
        m if m == Mode::Status500 as u8 => (500, "{\"error\":\"model crashed\"}".to_owned()),
        m if m == Mode::Garbage as u8 => (200, "<html>Bad gateway</html>".to_owned()),
        m => {
            if m == Mode::Slow as u8 {
                std::thread::sleep(Duration::from_secs(2));
            }
            let dim = if m == Mode::WrongDimension as u8 { DIM + 3 } else { DIM };
            let data: Vec<Value> = inputs
                .iter()
                .enumerate()
                .map(|(i, text)| json!({"object": "embedding", "index": i, "embedding": vector(text, dim)}))
                .collect();
            (200, json!({"object": "list", "data": data}).to_string())
        }
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
        reply.len()
    );
}

/// A bag-of-words vector: texts sharing words point the same way.
fn vector(text: &str, dim: usize) -> Vec<f32> {
    let mut v = vec![0.01_f32; dim];
    for word in text.split_whitespace() {
        let hash = word
            .bytes()
            .fold(0_u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b.to_ascii_lowercase())));
        v[hash as usize % dim] += 1.0;
    }
    v
}
