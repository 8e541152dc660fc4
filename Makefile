# push-reactivation — see README.md.
#
#   make run    the local stack with demo data (no Docker, no AWS account)
#   make test   every test: format, vet, staticcheck, go test -race
#   make build  every function's bootstrap for Lambda (arm64)
#   sam build   uses the build-<LogicalId> targets below (BuildMethod: makefile)

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

# Function logical ids of template.yaml → folders under functions/.
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

.PHONY: test lint vet build run clean

test: lint
	$(GO) test -race -count=1 ./...

lint: vet
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(STATICCHECK) ./...

vet:
	$(GO) vet ./...

# build-<LogicalId> is what `sam build` calls with ARTIFACTS_DIR set.
build-%:
	@test -n "$(FUNCTION_DIR_$*)" || { echo "unknown function $*"; exit 1; }
	@test -d functions/$(FUNCTION_DIR_$*) || { echo "functions/$(FUNCTION_DIR_$*) does not exist yet"; exit 1; }
	mkdir -p $(ARTIFACTS_DIR)
	GOOS=$(LAMBDA_GOOS) GOARCH=$(LAMBDA_GOARCH) CGO_ENABLED=0 \
	  $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(FUNCTION_DIR_$*)

build:
	@for f in $(FUNCTIONS); do \
	  if [ -d functions/$$(make -s --no-print-directory print-dir-$$f) ]; then \
	    $(MAKE) --no-print-directory build-$$f ARTIFACTS_DIR=.aws-sam/build/$$f || exit 1; fi; done

print-dir-%:
	@echo $(FUNCTION_DIR_$*)

run:
	@echo "The local stack (issue #8) has not landed yet: see README.md."; exit 1

clean:
	rm -rf .aws-sam .local
