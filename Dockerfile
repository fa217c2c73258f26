# newsdesk: the Telegram bot in a small image.
#
#   docker build -t newsdesk .
#   docker run -d --env-file .env -v newsdesk-data:/data newsdesk
#
# The shipped seeds are the default corpus; mount your archive at /corpus and set
# NEWSDESK_CORPUS=/corpus (docker-compose.yml does both).

FROM rust:1-slim-bookworm AS builder
WORKDIR /build

# Dependencies first, in a layer of their own: it is rebuilt only when Cargo.toml or
# Cargo.lock change. Stand-in sources satisfy the manifest's targets meanwhile.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches tests/it \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs tests/it/main.rs \
    && echo 'fn main() {}' > benches/search.rs \
    && echo 'fn main() {}' > benches/bot.rs \
    && cargo build --release --locked \
    && rm -rf src

COPY src ./src
# The stand-in build left newer outputs for the crate itself: make sure it rebuilds.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && strip --strip-debug -o /newsdesk target/release/newsdesk

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home newsdesk \
    && mkdir -p /data /srv/newsdesk \
    && chown newsdesk:newsdesk /data
COPY --from=builder /newsdesk /usr/local/bin/newsdesk
COPY seeds /srv/newsdesk/seeds
ENV NEWSDESK_CORPUS=/srv/newsdesk/seeds \
    NEWSDESK_INDEX=/data/index \
    NEWSDESK_DATA=/data \
    NEWSDESK_HTTP_ADDR=0.0.0.0:8080 \
    RUST_LOG=info,tantivy=warn
VOLUME /data
USER newsdesk
WORKDIR /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/newsdesk", "healthcheck"]
# Exec form: newsdesk is PID 1 and gets `docker stop`'s SIGTERM itself.
ENTRYPOINT ["/usr/local/bin/newsdesk", "serve"]
