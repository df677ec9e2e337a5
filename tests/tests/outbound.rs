//! `examples/outbound` under the real `genezio local`, in both modes: the service reads its
//! environment, calls another HTTP server, tells the time, draws random bytes, sleeps without
//! blocking the instance, and logs — through gzrs-platform, the same code in each mode.

use std::net::TcpListener;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gzrs_tests::{http_agent, project, upstream, Answer, Case, GenezioLocal};

const VALUE: &str = "configured value ✓";

fn check(mode_options: &[&str], name: &str) {
    let project = project("examples/outbound", name, mode_options);
    // Genezio reads the backend's .env into the environment too.
    std::fs::write(
        project.join("server/.env"),
        "GZRS_DOTENV_VALUE=from the .env file\n",
    )
    .unwrap();
    let local =
        GenezioLocal::start_with_env(&project, "Outbound", "api", &[("GZRS_TEST_VALUE", VALUE)]);
    let agent = http_agent();
    let problems = check_outbound(
        &|target| local.send(&agent, &Case::get(target, target)),
        &|| local.log(),
        true,
    );
    assert!(
        problems.is_empty(),
        "{}\n\n--- genezio local output ---\n{}",
        problems.join("\n"),
        local.log()
    );
}

/// The outbound service's checks through `send`, its log read with `log`; with `dotenv`, the
/// variable Genezio reads from `server/.env` too.
fn check_outbound(
    send: &(dyn Fn(&str) -> Result<Answer, String> + Sync),
    log: &(dyn Fn() -> String + Sync),
    dotenv: bool,
) -> Vec<String> {
    let upstream = upstream::start();
    let get =
        |target: &str| -> Answer { send(target).unwrap_or_else(|e| panic!("{e}\n{}", log())) };
    let text = |answer: &Answer| String::from_utf8_lossy(&answer.body).into_owned();
    let mut problems = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };

    let env = get("/env/GZRS_TEST_VALUE");
    expect(
        env.status == 200 && text(&env) == VALUE,
        format!("[env] {} {:?}", env.status, text(&env)),
    );
    if dotenv {
        let dotenv = get("/env/GZRS_DOTENV_VALUE");
        expect(
            dotenv.status == 200 && text(&dotenv) == "from the .env file",
            format!("[.env] {} {:?}", dotenv.status, text(&dotenv)),
        );
    }
    let unset = get("/env/GZRS_SURELY_UNSET");
    expect(unset.status == 404, format!("[env unset] {}", unset.status));

    let relayed = get(&format!("/fetch?url={upstream}/text"));
    expect(
        relayed.status == 200 && text(&relayed) == "upstream says hi",
        format!("[fetch text] {} {:?}", relayed.status, text(&relayed)),
    );
    let binary = get(&format!("/fetch?url={upstream}/binary"));
    expect(
        binary.status == 200 && binary.body == upstream::all_bytes(),
        format!(
            "[fetch binary] {} {} bytes",
            binary.status,
            binary.body.len()
        ),
    );
    let teapot = get(&format!("/fetch?url={upstream}/teapot"));
    expect(
        teapot.status == 418 && text(&teapot) == "short and stout",
        format!("[fetch status] {} {:?}", teapot.status, text(&teapot)),
    );
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for url in [
        format!("http://127.0.0.1:{closed}/"),
        "http://no-such-host.invalid/".to_owned(),
    ] {
        let failed = get(&format!("/fetch?url={url}"));
        expect(
            failed.status == 502 && text(&failed).contains(&url),
            format!(
                "[fetch {url}] expected a 502 naming the URL, got {} {:?}",
                failed.status,
                text(&failed)
            ),
        );
    }
    let after = get("/now");
    expect(
        after.status == 200,
        format!("[after failed fetches] {}", after.status),
    );

    let test_clock = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i128;
    let service_clock: i128 = text(&after).trim().parse().unwrap_or(0);
    expect(
        (service_clock - test_clock).abs() < 5_000,
        format!("[now] service {service_clock}, test {test_clock}"),
    );

    let (a, b) = (text(&get("/random")), text(&get("/random")));
    let hex = |s: &str| s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit());
    expect(
        hex(&a) && hex(&b) && a != b,
        format!("[random] {a:?} {b:?}"),
    );

    let started = Instant::now();
    let slept = get("/sleep/300");
    let one = started.elapsed();
    expect(
        text(&slept) == "slept 300" && one >= Duration::from_millis(300),
        format!("[sleep] {:?} after {one:?}", text(&slept)),
    );
    let started = Instant::now();
    let answers: Vec<Answer> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..10).map(|_| scope.spawn(|| get("/sleep/300"))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ten = started.elapsed();
    expect(
        answers.iter().all(|a| text(a) == "slept 300") && ten < Duration::from_millis(1500),
        format!("[sleep x10] took {ten:?}: one instance must not wait for each in turn"),
    );

    // One log line per request, with its level, and the failed fetch as a warning.
    std::thread::sleep(Duration::from_millis(500));
    let log = log();
    expect(
        log.lines()
            .any(|l| l.contains("INFO") && l.contains("GET /now -> 200")),
        "[logs] no INFO line for GET /now".into(),
    );
    expect(
        log.lines()
            .any(|l| l.contains("WARN") && l.contains("no-such-host.invalid")),
        "[logs] no WARN line for the failed fetch".into(),
    );
    problems
}

#[test]
fn outbound_in_wasm_mode() {
    check(&["--mode", "wasm"], "outbound-wasm");
}

#[test]
fn outbound_in_native_mode() {
    check(
        &["--mode", "native", "--arch", "x86_64"],
        "outbound-native-x86_64",
    );
}

/// `gzrs_platform::fetch`, timers, randomness, clocks and the environment through the fetch
/// handler on every runtime (workerd's outbound network opened to loopback by `gzrs local`).
#[test]
fn outbound_on_every_web_runtime() {
    let mut problems = Vec::new();
    for runtime in gzrs_tests::web::RUNTIMES {
        let local = gzrs_tests::web::WebLocal::start(
            "examples/outbound",
            "outbound",
            runtime,
            &[("GZRS_TEST_VALUE", VALUE)],
            &[],
            "/now",
        );
        let agent = http_agent();
        let found = check_outbound(
            &|target| gzrs_tests::checks::Server::send(&local, &agent, &Case::get(target, target)),
            &|| local.log(),
            false,
        );
        if !found.is_empty() {
            problems.push(format!(
                "--- {runtime} ---\n{}\n{}",
                found.join("\n"),
                local.log()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
