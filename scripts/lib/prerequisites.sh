# Shared by the scripts: make sure this machine has what Newsdesk needs.
# Installs what is missing with apt-get (as root, or through sudo).

newsdesk_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

say() { printf '%s\n' "$*" >&2; }

# The newest PostgreSQL server binary directory, if any.
postgres_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
        [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

apt_install() {
    local runner=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { say "Missing packages: $*. Install them as root: apt-get install $*"; exit 69; }
        runner=(sudo)
    fi
    say "Installing $* …"
    "${runner[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${runner[@]}" apt-get install -y -qq "$@" >&2
}

ensure_prerequisites() {
    local missing=()
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
    pkg-config --exists libcmark 2>/dev/null || missing+=(libcmark-dev)
    # Ukrainian search: the dictionary, and hunspell's unmunch to expand it (newsdesk db lexicon).
    [ -f /usr/share/hunspell/uk_UA.dic ] || missing+=(hunspell-uk)
    command -v unmunch >/dev/null 2>&1 || missing+=(hunspell-tools)
    # The embedded database's connection pool, which keeps sessions warm between commands.
    [ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || missing+=(pgbouncer)
    postgres_bindir >/dev/null || missing+=(postgresql)
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then missing+=(postgresql); fi
    [ ${#missing[@]} -eq 0 ] || apt_install $(printf '%s\n' "${missing[@]}" | sort -u)

    if ! command -v swift >/dev/null 2>&1; then
        [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
        command -v swift >/dev/null 2>&1 || { say "Swift 6 is needed to build Newsdesk: https://www.swift.org/install/"; exit 69; }
    fi
}

release_binary="$newsdesk_root/.build/release/newsdesk"

# The C++ runtime that the Swift runtime uses, linked statically as well:
# loading and relocating libstdc++.so and libgcc_s.so costs every command
# about 0.7 ms on its own. The Swift driver asks for -lstdc++ itself, so a
# one-line linker script named libstdc++.so, found first, points it at the
# static archive. Without the archive, the shared library is used.
static_cxx_runtime_flags() {
    local archive
    archive="$(clang -print-file-name=libstdc++.a 2>/dev/null || true)"
    [ -f "$archive" ] || return 0
    local dir="$newsdesk_root/.build/static-libstdc++"
    mkdir -p "$dir"
    echo "INPUT($archive)" > "$dir/libstdc++.so"
    echo "-Xswiftc -Xclang-linker -Xswiftc -L$dir -Xswiftc -Xclang-linker -Xswiftc -static-libgcc"
}

# SwiftPM lists a build plugin's input files when it plans a build, and a new
# migration file does not make it plan again: touching the manifest does.
# $1 is the binary about to be rebuilt.
replan_for_new_migrations() {
    if [ -e "$1" ] && [ -n "$(cd "$newsdesk_root" && find Migrations Schema -newer "$1" -print -quit 2>/dev/null)" ]; then
        touch "$newsdesk_root/Package.swift"
    fi
}

# Whether $1 is missing or older than any source.
release_build_needed() {
    ! [ -x "$1" ] || [ -n "$(cd "$newsdesk_root" && find Package.swift Sources Migrations Schema Plugins -newer "$1" -print -quit 2>/dev/null)" ]
}

# Builds product $2 into $1 with the release flags below.
build_release_product() {
    say "Building $2 (release) …"
    replan_for_new_migrations "$1"
    # shellcheck disable=SC2046  # the flags are words on purpose
    (cd "$newsdesk_root" && swift build -c release --static-swift-stdlib -Xswiftc -Xclang-linker -Xswiftc -no-pie --disable-local-rpath \
        $(static_cxx_runtime_flags) --product "$2" >&2) || {
        say "The build failed; see the messages above."; exit 70; }
}

# Builds the release binary when it is missing or older than any source.
# The Swift runtime is linked statically, so a command does not load a dozen
# shared libraries, and the executable is not position-independent, so the
# loader has no relocations to apply to its tables (scripts/bench measures both).
ensure_release_build() {
    release_build_needed "$release_binary" || return 0
    build_release_product "$release_binary" newsdesk
}

release_server_binary="$newsdesk_root/.build/release/newsdesk-server"

# The site's web server (`newsdesk serve` runs it from beside newsdesk), built
# the same way, only by what serves or measures the site: the other commands
# do not need it, and building it (SwiftNIO, Hummingbird) takes minutes.
ensure_release_server_build() {
    ensure_release_build
    release_build_needed "$release_server_binary" || return 0
    build_release_product "$release_server_binary" newsdesk-server
}
