# push-reactivation — see README.md.
#
#   make run          the local stack with demo data (no Docker, no AWS account)
#   make run RIE=1    the same, each function's bootstrap under aws-lambda-rie
#   make test         every test: format, vet, staticcheck, the OpenAPI lint, go test -race
#   make build        every function's bootstrap for Lambda (arm64)
#   make fuzz         every fuzz target for FUZZTIME each (default 30s), one at a time
#   make bench        bootstrap sizes and cold starts, as ratios to a hello-world function
#   make load         the local stack under load: p50/p99 per route at c=1, 4, 16 beside a baseline
#   make bench-routes every route's DynamoDB round trips, p50/p99 and allocations beside a baseline
#   make deploy       sam build + sam deploy with samconfig.toml's ENV (dev, or ENV=prod)
#   sam build         uses the build-<LogicalId> targets below (BuildMethod: makefile)

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

# Function logical ids of template.yaml → folders under functions/.
# infra/localstack's template test checks this list against the template.
FUNCTION_DIR_FallbackLoginFunction      := fallback-login
FUNCTION_DIR_ReactivationCodeFunction   := reactivation-code
FUNCTION_DIR_OwnerReactivationFunction  := owner-reactivation
FUNCTION_DIR_ActivationEmailFunction    := activation-email
FUNCTION_DIR_DeviceFunction             := device
FUNCTIONS := FallbackLoginFunction ReactivationCodeFunction OwnerReactivationFunction ActivationEmailFunction DeviceFunction

# Lambda build settings (DESIGN.md §2). GOARCH can be overridden for the
# host architecture (make run RIE=1 builds for the machine it runs on).
LAMBDA_GOOS   ?= linux
LAMBDA_GOARCH ?= arm64
LAMBDA_FLAGS  := -tags lambda.norpc -trimpath -ldflags "-s -w"
ARTIFACTS_DIR ?= .aws-sam/build/$*

# The local stack: flags for infra/localstack/cmd/local (see its -help),
# e.g. make run LOCAL_FLAGS='-log-level DEBUG'.
LOCAL_FLAGS ?=
SES_LOCAL   := infra/ses-local/node_modules/.bin/aws-ses-v2-local
REDOCLY     := infra/openapi-lint/node_modules/.bin/redocly

.PHONY: test lint vet openapi-lint build run local-bin clean fuzz ses-local axe deploy

# The tests start aws-ses-v2-local (infra/seslocal): the Makefile installs
# it, as for make run; a test never runs npm itself. axe-core is injected
# into the panel's pages by web/panel_test.go.
#
# The fault tests (infra/faultproxy) assert the production time bounds (an
# answer within 3 s with a dependency down), so they run after the rest,
# alone, rather than beside a dozen race-instrumented packages on a small
# machine, whose load would eat those budgets.
FAULT_TESTS := ./infra/faultproxy
test: lint openapi-lint ses-local axe
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v '/infra/faultproxy$$')
	$(GO) test -race -count=1 $(FAULT_TESTS)

lint: vet
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
	$(STATICCHECK) ./...

vet:
	$(GO) vet ./...

# make test runs the fuzz seeds only; make fuzz mutates them: every
# func Fuzz* of the module (found by infra/fuzz/run.sh itself) for
# FUZZTIME each, one at a time, failing if any target fails.
FUZZTIME ?= 30s
# FUZZPARALLEL=1 keeps each target to one worker (default: GOMAXPROCS).
FUZZPARALLEL ?=
# FUZZMINIMIZETIME bounds the minimizing of each new input (default 60s).
FUZZMINIMIZETIME ?=
fuzz:
	GO="$(GO)" FUZZPARALLEL="$(FUZZPARALLEL)" FUZZMINIMIZETIME="$(FUZZMINIMIZETIME)" infra/fuzz/run.sh $(FUZZTIME)

# build-<LogicalId> is what `sam build` calls with ARTIFACTS_DIR set.
build-%:
	@test -n "$(FUNCTION_DIR_$*)" || { echo "unknown function $*"; exit 1; }
	@test -d functions/$(FUNCTION_DIR_$*) || { echo "functions/$(FUNCTION_DIR_$*) does not exist"; exit 1; }
	mkdir -p $(ARTIFACTS_DIR)
	GOOS=$(LAMBDA_GOOS) GOARCH=$(LAMBDA_GOARCH) CGO_ENABLED=0 \
	  $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(FUNCTION_DIR_$*)

build: $(addprefix build-,$(FUNCTIONS))

print-dir-%:
	@echo $(FUNCTION_DIR_$*)

# aws-ses-v2-local from the pinned lockfile, when it is not installed yet
# or the lockfile is newer than the install. infra/seslocal refuses to start
# an install of another version than the lockfile pins, naming this target.
$(SES_LOCAL): infra/ses-local/package-lock.json
	npm ci --prefix infra/ses-local --no-audit --no-fund
	@touch $@

ses-local: $(SES_LOCAL)

# The OpenAPI document (shared/openapi/openapi.yaml) through Redocly CLI,
# pinned by infra/openapi-lint's lockfile and installed from it when
# missing; the rules are in infra/openapi-lint/redocly.yaml.
$(REDOCLY):
	npm ci --prefix infra/openapi-lint --no-audit --no-fund

openapi-lint: $(REDOCLY)
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(REDOCLY) lint --config infra/openapi-lint/redocly.yaml shared/openapi/openapi.yaml

# axe-core, which the panel's Chromium tests (web/) inject into every
# view, pinned by infra/axe's lockfile and installed from it when missing.
AXE := infra/axe/node_modules/axe-core/axe.min.js
$(AXE):
	npm ci --prefix infra/axe --no-audit --no-fund
axe: $(AXE)

# npm ci and the Go build run side by side; then the binary runs in the
# foreground (exec), so Ctrl-C reaches it directly and it stops every
# process it started before exiting.
run:
	@$(MAKE) --no-print-directory -j2 ses-local local-bin
	exec .local/bin/local $(if $(RIE),-rie) $(LOCAL_FLAGS)

local-bin:
	@mkdir -p .local/bin
	$(GO) build -o .local/bin/local ./infra/localstack/cmd/local

clean:
	rm -rf .aws-sam .local

# Bootstrap sizes and cold starts under aws-lambda-rie, each as a ratio to
# a hello-world aws-lambda-go function built the same way (issue 14):
# infra/bench/coldstart. BENCH_PAIRS interleaved cold-start pairs each.
BENCH_PAIRS ?= 12
.PHONY: bench
bench:
	$(GO) run ./infra/bench/coldstart -pairs $(BENCH_PAIRS)

# Every route of template.yaml on its warm handler (issue 15):
# BenchmarkRoute/<METHOD>_<path template> with roundtrips/op (in
# sequence), calls/op, p50-ns, p99-ns and allocations, beside
# BenchmarkRoute/baseline (the storeless route) of the same run, then a
# table of p50 and p99 as ratios to the baseline (internal/routebench).
# ROUTEBENCHTIME calls per route; ROUTEBENCH narrows the routes, e.g.
# make bench-routes ROUTEBENCH='BenchmarkRoute/(baseline|GET_)'.
ROUTEBENCHTIME ?= 100x
ROUTEBENCH ?= BenchmarkRoute
.PHONY: bench-routes
bench-routes: ses-local
	$(GO) test -run '^$$' -bench '$(ROUTEBENCH)' -benchtime $(ROUTEBENCHTIME) ./internal/routebench/

# ---- Load (issue 15): infra/load/cmd/load starts the local stack in
# process on free ports of 127.0.0.1 with the demo data, logs the demo
# Owner in and activates an emulated phone through the real APIs, then
# drives the device poll and GET /v1/profile at each concurrency for
# LOAD_DURATION each and prints throughput, p50 and p99 beside a storeless
# baseline. More flags in LOAD_FLAGS (e.g. -cpuprofile cpu.prof, -c 4,16);
# see go run ./infra/load/cmd/load -help.
LOAD_DURATION ?= 3s
LOAD_FLAGS    ?=
.PHONY: load
load: ses-local
	$(GO) run ./infra/load/cmd/load -duration $(LOAD_DURATION) $(LOAD_FLAGS)

# ---- Deploy (README, "Deploying to AWS"): samconfig.toml's dev or prod
# environment. Needs the AWS SAM CLI, the AWS CLI and credentials; each
# missing piece stops it with a message saying what to install or set.
ENV ?= dev
SAM ?= sam
AWS ?= aws
deploy:
	@case "$(ENV)" in dev|prod) ;; *) echo "make deploy: ENV must be dev or prod (the environments of samconfig.toml), not '$(ENV)'" >&2; exit 2;; esac
	@command -v $(SAM) >/dev/null 2>&1 || { echo "make deploy: the AWS SAM CLI ('$(SAM)') is not installed; see https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html" >&2; exit 2; }
	@command -v $(AWS) >/dev/null 2>&1 || { echo "make deploy: the AWS CLI ('$(AWS)') is not installed; see https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html" >&2; exit 2; }
	@$(AWS) sts get-caller-identity >/dev/null 2>&1 || { echo "make deploy: no usable AWS credentials (aws sts get-caller-identity failed); run aws configure or aws sso login, or set AWS_PROFILE" >&2; exit 2; }
	$(SAM) build --config-env $(ENV)
	$(SAM) deploy --config-env $(ENV)
