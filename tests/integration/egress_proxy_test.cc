// Egress through an HTTP CONNECT proxy (HTTPS_PROXY / NO_PROXY): the call
// goes through the tunnel with Maesn's certificate still verified end to
// end, request headers (credentials) never reach the proxy, NO_PROXY
// bypasses it, and a failing proxy is an UNAVAILABLE that names it. The
// proxy is a small CONNECT proxy on loopback (upstream_test_servers.h).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "gateway/common/errors.h"
#include "gateway/maesn/curl_transport.h"
#include "gateway/server/config.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/integration/upstream_test_servers.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tls_cert.h"

namespace maesn::testing {
namespace {

using ::maesn::gateway::CurlTransport;
using ::maesn::gateway::CurlTransportOptions;
using ::maesn::gateway::ErrorMetadata;
using ::maesn::gateway::ErrorReason;
using ::maesn::gateway::HttpRequest;
using ::maesn::gateway::HttpResponse;
using ::testing::HasSubstr;
using ::testing::Not;

class EgressProxyTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    proxy_ = std::make_unique<ConnectProxy>();
    ASSERT_TRUE(proxy_->Start().ok());
  }
  void TearDown() override {
    GatewayFixture::TearDown();
    proxy_.reset();
  }

  CurlTransportOptions Options() const {
    CurlTransportOptions o;
    o.base_url = sim_->base_url();
    o.ca_file = sim_->ca_file();
    o.proxy = proxy_->url();
    return o;
  }

  // One GET of the simulator's health endpoint with a credential header.
  absl::StatusOr<HttpResponse> Fetch(const CurlTransportOptions& options) {
    auto transport = CurlTransport::Create(options);
    if (!transport.ok()) return transport.status();
    HttpRequest r;
    r.method = "GET";
    r.target = "/_sim/health";
    r.headers = {{"X-ACCOUNT-KEY", "secret-account-key"}};
    absl::Notification done;
    absl::StatusOr<HttpResponse> out = absl::UnknownError("pending");
    (*transport)
        ->Start(r, absl::Now() + absl::Seconds(20),
                [&](absl::StatusOr<HttpResponse> result) {
                  out = std::move(result);
                  done.Notify();
                });
    done.WaitForNotification();
    return out;
  }

  std::string SimHostPort() const {
    return std::string(absl::StripPrefix(sim_->base_url(), "https://"));
  }

  std::unique_ptr<ConnectProxy> proxy_;
};

TEST_F(EgressProxyTest, GoesThroughTheTunnelWithTlsVerified) {
  auto result = Fetch(Options());
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->status, 200);
  const auto heads = proxy_->connect_heads();
  ASSERT_EQ(heads.size(), 1u);
  EXPECT_TRUE(
      absl::StartsWith(heads[0], absl::StrCat("CONNECT ", SimHostPort(), " ")))
      << heads[0];
  // Request headers travel inside TLS only.
  EXPECT_THAT(heads[0], Not(HasSubstr("secret-account-key")));
  EXPECT_THAT(heads[0], Not(HasSubstr("X-ACCOUNT-KEY")));
}

TEST_F(EgressProxyTest, CertificateIsStillVerifiedThroughTheTunnel) {
  CurlTransportOptions o = Options();
  auto other = sim::MakeSelfSignedCert(MakeTempDir());
  ASSERT_TRUE(other.ok());
  o.ca_file = other->cert_file;
  auto result = Fetch(o);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ErrorReason(result.status()), "UPSTREAM_TLS_VERIFICATION_FAILED");
  EXPECT_EQ(proxy_->connect_heads().size(), 1u);
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(EgressProxyTest, NoProxyBypassesTheProxy) {
  for (const char* no_proxy : {"localhost", "*", "example.com,localhost"}) {
    CurlTransportOptions o = Options();
    o.no_proxy = no_proxy;
    auto result = Fetch(o);
    ASSERT_THAT(result, IsOk()) << no_proxy;
    EXPECT_EQ(result->status, 200);
  }
  EXPECT_TRUE(proxy_->connect_heads().empty());
  // A list that does not name the host still uses the proxy.
  CurlTransportOptions o = Options();
  o.no_proxy = "example.com";
  ASSERT_THAT(Fetch(o), IsOk());
  EXPECT_EQ(proxy_->connect_heads().size(), 1u);
}

TEST_F(EgressProxyTest, ProxyCredentialsGoToTheProxyOnlyAndNeverIntoErrors) {
  ConnectProxy refusing(/*allowed_port=*/1);  // refuses every tunnel: 403
  ASSERT_TRUE(refusing.Start().ok());
  CurlTransportOptions o = Options();
  o.proxy = absl::StrCat("http://gw:s3cret@127.0.0.1:", refusing.port());
  auto result = Fetch(o);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable,
                               HasSubstr("egress proxy")));
  EXPECT_EQ(ErrorReason(result.status()), "UPSTREAM_UNAVAILABLE");
  EXPECT_EQ(ErrorMetadata(result.status(), "request_sent"), "false");
  EXPECT_THAT(result.status().ToString(), Not(HasSubstr("s3cret")));
  const auto heads = refusing.connect_heads();
  ASSERT_EQ(heads.size(), 1u);
  // "gw:s3cret" in Basic form.
  EXPECT_THAT(heads[0], HasSubstr("Proxy-Authorization: Basic Z3c6czNjcmV0"));
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(EgressProxyTest, ProxyThatIsDownIsUnavailable) {
  std::string url;
  {
    ConnectProxy gone;
    ASSERT_TRUE(gone.Start().ok());
    url = gone.url();
  }
  CurlTransportOptions o = Options();
  o.proxy = url;
  auto result = Fetch(o);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable,
                               HasSubstr("egress proxy")));
  EXPECT_EQ(ErrorMetadata(result.status(), "request_sent"), "false");
}

// The whole gateway, configured from the environment variables.
class GatewayEgressTest : public EgressProxyTest {
 protected:
  gateway::GatewayConfig ConfigFrom(std::map<std::string, std::string> env) {
    env["MAESN_BASE_URL"] = sim_->base_url();
    env["MAESN_CA_FILE"] = sim_->ca_file();
    env["GATEWAY_LISTEN"] = "127.0.0.1:0";
    env["METRICS_LISTEN"] = "off";
    auto config = gateway::ConfigFromEnvironment([&](const char* name) {
      auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    });
    EXPECT_TRUE(config.ok()) << config.status();
    return config.ok() ? *config : gateway::GatewayConfig{};
  }

  grpc::Status GetInvoice() {
    v1::GetInvoiceRequest req;
    req.set_invoice_id("ABC123");
    v1::GetInvoiceResponse resp;
    auto ctx = Context();
    return invoices_->GetInvoice(ctx.get(), req, &resp);
  }
};

TEST_F(GatewayEgressTest, HttpsProxyCarriesTheCalls) {
  StartGateway(ConfigFrom({{"HTTPS_PROXY", proxy_->url()}}));
  const grpc::Status s = GetInvoice();
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(proxy_->connect_heads().size(), 1u);
  EXPECT_EQ(simulator().Requests().size(), 1u);
}

TEST_F(GatewayEgressTest, LowerCaseVariablesWinAndNoProxyBypasses) {
  StartGateway(ConfigFrom({{"https_proxy", proxy_->url()},
                           {"HTTPS_PROXY", "http://127.0.0.1:1"},
                           {"no_proxy", "localhost"}}));
  const grpc::Status s = GetInvoice();
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(proxy_->connect_heads().empty());
}

TEST_F(GatewayEgressTest, ABadProxyUrlStopsStartUpWithoutRepeatingIt) {
  auto config = gateway::ConfigFromEnvironment([](const char* name) {
    return std::string(name) == "HTTPS_PROXY" ? "ftp://gw:s3cret@proxy:21"
                                              : nullptr;
  });
  EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("HTTPS_PROXY")));
  EXPECT_THAT(config.status().ToString(), Not(HasSubstr("s3cret")));
}

}  // namespace
}  // namespace maesn::testing
