//! A real SMTP server on a loopback port for the tests: `tests/smtp/server.py`
//! on aiosmtpd, with STARTTLS or implicit TLS (a self-signed certificate made
//! by `openssl`) and AUTH when asked.
//!
//! The Python environment is made once under `target/test-python` with pip
//! (`RECRUITMAIL_TEST_PYTHON` names another interpreter that has aiosmtpd and
//! moto); `tests/api/s3.rs` starts moto from it, `tests/api/interviews.rs` reads
//! calendars with its icalendar.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The test peers' versions, pinned so every run tests against the same
/// ones: aiosmtpd for SMTP, moto for an S3-compatible store, and icalendar to
/// read our calendars back as another implementation does.
const PACKAGES: [&str; 3] = [
    "aiosmtpd==1.4.6",
    "moto[s3,server]==5.2.5",
    "icalendar==7.3.0",
];

/// A Python with the test servers installed.
pub fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            if let Ok(path) = std::env::var("RECRUITMAIL_TEST_PYTHON") {
                return PathBuf::from(path);
            }
            let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-python");
            let python = venv.join("bin/python");
            let ready = Command::new(&python)
                .args(["-c", "import aiosmtpd, moto, icalendar"])
                .status()
                .is_ok_and(|s| s.success());
            if !ready {
                let made = Command::new("python3")
                    .args(["-m", "venv"])
                    .arg(&venv)
                    .status()
                    .expect("python3 runs");
                assert!(made.success(), "python3 -m venv failed");
                let installed = Command::new(&python)
                    .args(["-m", "pip", "install", "--quiet"])
                    .args(PACKAGES)
                    .status()
                    .expect("pip runs");
                assert!(installed.success(), "pip install {PACKAGES:?} failed");
            }
            python
        })
        .clone()
}

/// Whether and how the server encrypts; with TLS, it has a fresh
/// self-signed certificate for 127.0.0.1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encryption {
    #[default]
    None,
    /// STARTTLS offered and required (RFC 3207).
    StartTls,
    /// TLS from the first byte (RFC 8314 §3.3).
    Implicit,
}

/// How the server is set up.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub encryption: Encryption,
    /// AUTH required with this user name and password.
    pub login: Option<(String, String)>,
}

/// One message the server accepted.
#[derive(Debug)]
pub struct Delivered {
    pub raw: Vec<u8>,
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub tls: bool,
    pub login: Option<String>,
}

pub struct SmtpServer {
    pub port: u16,
    options: Options,
    dir: tempfile::TempDir,
    child: Option<(Child, ChildStdin)>,
}

impl SmtpServer {
    pub fn start(options: Options) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        if options.encryption != Encryption::None {
            let made = Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .args(["-subj", "/CN=127.0.0.1"])
                .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
                // A server certificate, not a CA: rustls refuses a CA as the end entity.
                .args(["-addext", "basicConstraints=critical,CA:FALSE"])
                .args(["-addext", "extendedKeyUsage=serverAuth"])
                .arg("-keyout")
                .arg(dir.path().join("key.pem"))
                .arg("-out")
                .arg(dir.path().join("cert.pem"))
                .stderr(Stdio::null())
                .status()
                .expect("openssl runs");
            assert!(made.success(), "openssl could not make a certificate");
        }
        std::fs::create_dir_all(dir.path().join("out")).expect("out dir");
        let mut server = Self {
            port: 0,
            options,
            dir,
            child: None,
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
        let mut command = Command::new(python());
        command
            .arg(script)
            .arg("--out")
            .arg(self.dir.path().join("out"))
            .args(["--port", &self.port.to_string()]);
        if self.options.encryption != Encryption::None {
            command
                .arg("--cert")
                .arg(self.cert_path())
                .arg("--key")
                .arg(self.dir.path().join("key.pem"));
        }
        if self.options.encryption == Encryption::Implicit {
            command.arg("--implicit-tls");
        }
        if let Some((user, password)) = &self.options.login {
            command.args(["--user", user, "--password", password]);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the SMTP server starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the SMTP server reports its port");
        self.port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from the SMTP server: {line:?}"));
        let stdin = child.stdin.take().expect("stdin");
        self.child = Some((child, stdin));
    }

    /// The self-signed certificate, for `RECRUITMAIL_SMTP_CA_FILE`.
    pub fn cert_path(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// Switches between `accept` and `tempfail` while running.
    pub fn set_mode(&self, mode: &str) {
        std::fs::write(self.dir.path().join("out/mode"), mode).expect("mode file");
    }

    /// Stops the server: connections are refused until `restart`.
    pub fn stop(&mut self) {
        if let Some((mut child, stdin)) = self.child.take() {
            drop(stdin);
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// Messages accepted so far, in order.
    pub fn delivered(&self) -> Vec<Delivered> {
        let out = self.dir.path().join("out");
        let mut numbers: Vec<u32> = std::fs::read_dir(&out)
            .expect("out dir")
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                name.strip_suffix(".eml")?.parse().ok()
            })
            .collect();
        numbers.sort_unstable();
        numbers
            .into_iter()
            .map(|n| {
                let raw = std::fs::read(out.join(format!("{n}.eml"))).expect("eml");
                let meta: serde_json::Value = serde_json::from_slice(
                    &std::fs::read(out.join(format!("{n}.json"))).expect("json"),
                )
                .expect("envelope JSON");
                Delivered {
                    raw,
                    mail_from: meta["mail_from"].as_str().unwrap_or_default().to_owned(),
                    rcpt_tos: meta["rcpt_tos"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    tls: meta["tls"].as_bool().unwrap_or(false),
                    login: meta["login"].as_str().map(str::to_owned),
                }
            })
            .collect()
    }

    /// Waits until `count` messages have arrived (or a few seconds passed).
    pub fn wait_for(&self, count: usize) -> Vec<Delivered> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let delivered = self.delivered();
            if delivered.len() >= count || Instant::now() > deadline {
                return delivered;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}
