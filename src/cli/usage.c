/* Usage texts of ocigate and its subcommands (docs/CLI.md mirrors them). */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const char usage_main[] =
	"Usage: ocigate COMMAND [OPTIONS] ARGS\n"
	"\n"
	"Inspect and validate OCI and Docker container images.\n"
	"\n"
	"Commands:\n"
	"  inspect REF      describe an image: digest, platforms, config, layers\n"
	"  validate REF     check the integrity and spec conformance of an image\n"
	"  schema FILE      check one JSON document against its image-spec schema\n"
	"  sbom REF         a CycloneDX or SPDX bill of materials of an image\n"
	"  policy init      print the built-in policy, a file to start from\n"
	"  policy check FILE  check a policy file\n"
	"  copy SRC DST     copy an image by digest to a registry, oci: or oci-archive:\n"
	"  version          print the version (also --version)\n"
	"  help [COMMAND]   print this help or a command's help (also --help, -h)\n"
	"\n"
	"REF names an image with skopeo's transport syntax, or is a path:\n"
	"  oci-archive:PATH[:REF]     a tar of an OCI image layout\n"
	"  oci:DIR[:REF]              an OCI image layout directory\n"
	"  docker-archive:PATH[:REF]  'docker save' output (gzip-compressed too)\n"
	"  docker://HOST[:PORT]/REPO[:TAG|@DIGEST]\n"
	"                             a registry (HOST/REPO[:TAG] works too when no\n"
	"                             such file exists); HTTPS, plain HTTP for\n"
	"                             localhost and 127.0.0.0/8 when they do not\n"
	"                             speak TLS\n"
	"  PATH                       a layout directory or one of the archives above\n"
	"\n"
	"Exit codes:\n"
	"  0   passed (warnings allowed)\n"
	"  1   checked, and findings at or above the fail threshold\n"
	"  2   usage error, or the input is not an image\n"
	"  3   registry or network failure after retries, or a timeout\n"
	"  4   registry authentication or permission refused\n"
	"  70  internal error\n"
	"\n"
	"Run 'ocigate COMMAND --help' for the options of a command.\n";

/* The registry options, as og_cli__transport_flag takes them. */
#define REGISTRY_OPTIONS \
	"Registry options (docker:// references):\n" \
	"      --creds USER:PASSWORD  credentials (else --authfile, then\n" \
	"                             $REGISTRY_AUTH_FILE, containers auth.json,\n" \
	"                             Docker's config.json and credential helpers)\n" \
	"      --creds-stdin          read USER:PASSWORD from standard input\n" \
	"      --authfile FILE        a containers auth.json\n" \
	"      --tls-verify=BOOL      false: no TLS verification, plain HTTP allowed\n" \
	"      --cacert FILE          a PEM CA bundle for a private registry CA\n" \
	"      --retries N            attempts after the first, 0 to 100 (default: 4);\n" \
	"                             408, 429, 5xx, resets and timeouts are retried\n" \
	"                             with backoff, honouring Retry-After\n" \
	"      --retry-delay DURATION base of the backoff: N (ms), Nms or Ns\n" \
	"                             (default: 500ms)\n" \
	"      --timeout DURATION     deadline of one request, retries included:\n" \
	"                             N (s), Nms or Ns (default: 600s)\n" \
	"      --stall-timeout DURATION\n" \
	"                             cut and retry a transfer under 1 KiB/s for\n" \
	"                             this long (default: 30s)\n"

static const char usage_inspect[] =
	"Usage: ocigate inspect [OPTIONS] REF\n"
	"\n"
	"Describe an image: digest, media type, platforms, created, labels,\n"
	"entrypoint and cmd, env, user, exposed ports, and each layer's digest,\n"
	"media type and size. The manifest and config read are checked against\n"
	"their digests.\n"
	"\n"
	"Options:\n"
	"      --raw                  print the manifest bytes, unchanged\n"
	"      --config               print the config bytes, unchanged\n"
	"  -f, --format text|json     format of the summary (default: text)\n"
	"  -p, --platform OS/ARCH[/VARIANT]\n"
	"                             choose one image of a multi-platform index\n"
	"  -h, --help                 print this help\n"
	"\n"
	REGISTRY_OPTIONS
	"\n"
	"Exit codes: 0 described, 2 usage error or REF is not an image,\n"
	"3 registry or network failure, 4 authentication or permission refused,\n"
	"70 internal error.\n";

static const char usage_validate[] =
	"Usage: ocigate validate [OPTIONS] REF\n"
	"\n"
	"Check the integrity and spec conformance of an image, reading each layer\n"
	"once: blob digests and sizes, compression, diff_ids, tar structure, path\n"
	"safety, and the JSON schemas of the manifests, index and config. In the\n"
	"same pass, the security scan: setuid, world-writable and device files,\n"
	"secrets (private keys, cloud credentials, tokens; in every layer, the\n"
	"config's Env and history), the dpkg/apk package inventory, wasted bytes,\n"
	"and with --vuln-db the packages' known vulnerabilities.\n"
	"\n"
	"Options:\n"
	"  -f, --format FORMAT        text, json, markdown, github, junit, sarif or\n"
	"                             errorlog (default: text)\n"
	"  -j, --jobs N               threads, 1 to 1024 (default: the number of\n"
	"                             CPUs): layers run at once; spare threads\n"
	"                             split a layer into two stages\n"
	"  -p, --platform OS/ARCH[/VARIANT]\n"
	"                             check only this image of a multi-platform\n"
	"                             index (default: every platform)\n"
	"      --fail-on SEVERITY     LOW, MEDIUM, HIGH or CRITICAL: fail when a\n"
	"                             finding is at or above it (default: the\n"
	"                             policy's fail_on, HIGH by default)\n"
	"  -o, --output FILE          write the report to FILE (replaced atomically)\n"
	"                             instead of standard output\n"
	"      --policy FILE          the policy (default: the built-in one; see\n"
	"                             'ocigate policy init')\n"
	"      --report FORMAT=PATH   also write a report in FORMAT to PATH\n"
	"                             (repeatable)\n"
	"      --error-log PATH       append every finding as a JSON line to PATH\n"
	"      --timings              add per-layer, per-stage timings (bytes,\n"
	"                             seconds, MB/s) and the wall time to the report\n"
	"      --vuln-db PATH         match the packages against an offline OSV\n"
	"                             database: a directory of *.json and *.zip\n"
	"                             (Debian/all.zip, Alpine/all.zip), one .zip or\n"
	"                             one .json file\n"
	"      --ignore-unfixed       with --vuln-db: drop vulnerabilities that have\n"
	"                             no fixed version\n"
	"      --no-scan              integrity and conformance only: no file-mode,\n"
	"                             secret, package, vulnerability or efficiency\n"
	"                             checks\n"
	"  -h, --help                 print this help\n"
	"\n"
	REGISTRY_OPTIONS
	"\n"
	"Text output is coloured when standard output is a terminal and NO_COLOR\n"
	"is unset or empty. With GITHUB_ACTIONS=true, workflow annotations are\n"
	"printed too; with GITHUB_STEP_SUMMARY set, a markdown summary is\n"
	"appended to it.\n"
	"\n"
	"Exit codes: 0 passed (warnings allowed), 1 findings at or above\n"
	"--fail-on, 2 usage error or REF is not an image, 3 registry or network\n"
	"failure, 4 authentication or permission refused, 70 internal error.\n";

static const char usage_schema[] =
	"Usage: ocigate schema --type TYPE [OPTIONS] FILE\n"
	"\n"
	"Check one JSON document against its OCI image-spec schema: required\n"
	"fields and their types, schemaVersion, media types, digest grammar.\n"
	"\n"
	"Options:\n"
	"  -t, --type TYPE            manifest, index, config, descriptor or layout\n"
	"                             (the oci-layout file); required\n"
	"  -f, --format text|json     report format (default: text)\n"
	"      --fail-on SEVERITY     LOW, MEDIUM, HIGH or CRITICAL: fail when a\n"
	"                             finding is at or above it (default: HIGH)\n"
	"  -o, --output FILE          write the report to FILE (replaced atomically)\n"
	"                             instead of standard output\n"
	"  -h, --help                 print this help\n"
	"\n"
	"Exit codes: 0 passed (warnings allowed), 1 findings at or above\n"
	"--fail-on, 2 usage error or FILE cannot be read, 70 internal error.\n";

static const char usage_policy[] =
	"Usage: ocigate policy init\n"
	"       ocigate policy check FILE\n"
	"\n"
	"init prints the built-in default policy (what validate applies without\n"
	"--policy) as a JSON document to start from. check reads a policy file and\n"
	"reports the first problem, naming the key (a typo never turns a check off).\n"
	"\n"
	"Exit codes: 0 valid, 1 the policy is not valid, 2 usage error or FILE\n"
	"cannot be read.\n";

static const char usage_copy[] =
	"Usage: ocigate copy [OPTIONS] SRC DST\n"
	"\n"
	"Copy an image by digest, byte for byte. SRC is any image reference\n"
	"(oci:, oci-archive:, docker-archive:, a registry); DST is a registry\n"
	"(docker://HOST/REPO[:TAG], tag 'latest' by default), oci:DIR[:TAG] or\n"
	"oci-archive:PATH[:TAG]. A multi-platform index is copied whole. Blobs DST\n"
	"has are skipped; on the same registry they are mounted; others are\n"
	"streamed and their digests verified. The tag is set last, once every\n"
	"blob and manifest is in place, and DST is checked to hold the source\n"
	"digest. An oci-archive is written to a temp file, then renamed.\n"
	"\n"
	"Options:\n"
	"  -p, --platform OS/ARCH[/VARIANT]\n"
	"                             copy only this image of an index (its digest\n"
	"                             differs from the index's; a note says so)\n"
	"      --dry-run              print the plan (blobs to mount, copy or skip,\n"
	"                             manifests, tag) and change nothing\n"
	"      --digestfile FILE      write the digest at DST to FILE\n"
	"  -j, --jobs N               blobs copied at once (default: 1)\n"
	"      --creds USER:PASSWORD  credentials for every registry\n"
	"      --creds-stdin          read USER:PASSWORD from standard input\n"
	"      --authfile FILE        a containers auth.json\n"
	"      --tls-verify=BOOL      false: no TLS verification, plain HTTP allowed\n"
	"      --cacert FILE          a PEM CA bundle for a private registry CA\n"
	"      --retries N            attempts after the first, 0 to 100 (default: 4);\n"
	"                             408, 429, 5xx, resets and timeouts are retried\n"
	"                             with backoff, honouring Retry-After\n"
	"      --retry-delay DURATION base of the backoff: N (ms), Nms or Ns\n"
	"                             (default: 500ms)\n"
	"      --timeout DURATION     deadline of one request, retries included:\n"
	"                             N (s), Nms or Ns (default: 600s)\n"
	"      --stall-timeout DURATION\n"
	"                             cut and retry a transfer under 1 KiB/s for\n"
	"                             this long (default: 30s)\n"
	"  -h, --help                 print this help\n"
	"\n"
	"Progress bars go to standard error when it is a terminal.\n"
	"\n"
	"Exit codes: 0 copied, 1 the destination digest differs from the source\n"
	"(promote.digest_changed), 2 usage error or SRC is not an image,\n"
	"3 registry or network failure, 4 authentication or permission refused,\n"
	"70 internal error.\n";

static const char usage_sbom[] =
	"Usage: ocigate sbom --format cyclonedx|spdx [OPTIONS] REF\n"
	"\n"
	"Print a software bill of materials of one image: the packages of its dpkg\n"
	"and apk databases, with purls, as CycloneDX 1.5 JSON or SPDX 2.3 JSON.\n"
	"The image is validated on the way; an image that fails an integrity\n"
	"check gets no SBOM. The output is deterministic.\n"
	"\n"
	"Options:\n"
	"  -f, --format FORMAT        cyclonedx or spdx; required\n"
	"  -p, --platform OS/ARCH[/VARIANT]\n"
	"                             the image of a multi-platform index (required\n"
	"                             when REF has several)\n"
	"  -o, --output FILE          write to FILE (replaced atomically) instead of\n"
	"                             standard output\n"
	"      --policy FILE          the policy (size limits, scan settings)\n"
	"  -j, --jobs N               threads, 1 to 1024 (default: the CPUs)\n"
	"  -h, --help                 print this help\n"
	"\n"
	"Registry options (docker:// references) as for validate: --creds,\n"
	"--creds-stdin, --authfile, --tls-verify, --cacert, --retries,\n"
	"--retry-delay, --timeout, --stall-timeout.\n"
	"\n"
	"Exit codes: 0 written, 2 usage error, REF is not an image, several images\n"
	"and no --platform, or the image fails an integrity check, 3 registry or\n"
	"network failure, 4 authentication or permission refused, 70 internal error.\n";

static const char usage_version[] =
	"Usage: ocigate version\n"
	"\n"
	"Print the version of ocigate.\n";

static const char usage_help[] =
	"Usage: ocigate help [COMMAND]\n"
	"\n"
	"Print the usage of ocigate, or of one command.\n";

void og_cli__usage(FILE *fp, const char *command)
{
	const char *text = usage_main;

	if (!command)
		text = usage_main;
	else if (strcmp(command, "inspect") == 0)
		text = usage_inspect;
	else if (strcmp(command, "validate") == 0)
		text = usage_validate;
	else if (strcmp(command, "schema") == 0)
		text = usage_schema;
	else if (strcmp(command, "policy") == 0)
		text = usage_policy;
	else if (strcmp(command, "copy") == 0)
		text = usage_copy;
	else if (strcmp(command, "sbom") == 0)
		text = usage_sbom;
	else if (strcmp(command, "version") == 0)
		text = usage_version;
	else if (strcmp(command, "help") == 0)
		text = usage_help;
	fputs(text, fp);
}
