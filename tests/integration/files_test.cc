// FileService end to end: an upload leaves the gateway as Maesn's
// multipart/form-data request (the simulator parses it as Maesn would), the
// asynchronous upload is followed to its end, the allowed document types
// and extensions are read, and an upload over the gateway's message size is
// refused before anything is sent.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "maesn/accounting/v1/file.grpc.pb.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/integration/integration_util.h"

namespace maesn::testing {
namespace {

using ::testing::ElementsAre;

class FilesTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    auto config = BaseConfig();
    config.max_message_bytes = 256 << 10;
    StartGateway(config);
    files_ = v1::FileService::NewStub(channel());
  }

  static v1::FileUpload Receipt(const std::string& bytes) {
    v1::FileUpload upload;
    upload.mutable_file()->set_file_name("Beleg 2025-03.pdf");
    upload.mutable_file()->set_content_type("application/pdf");
    upload.mutable_file()->set_content(bytes);
    upload.set_document_type("Rechnungseingang");
    upload.set_note("Bewirtung");
    return upload;
  }

  std::unique_ptr<v1::FileService::Stub> files_;
};

TEST_F(FilesTest, AnUploadReachesMaesnAsMultipartWithItsBytesUnchanged) {
  const std::string bytes("%PDF-1.4\0\r\n--not-a-boundary\r\n\xff\xfe", 30);
  v1::UploadFileRequest req;
  req.set_company_id("c1");
  *req.mutable_upload() = Receipt(bytes);
  v1::UploadFileResponse resp;
  auto ctx = Context();
  grpc::Status s = files_->UploadFile(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(resp.file().id().empty());
  EXPECT_EQ(resp.file().file_name(), "Beleg 2025-03.pdf");
  EXPECT_EQ(resp.file().content_type(), "application/pdf");
  EXPECT_EQ(resp.file().content(), bytes);

  const auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/accounting/files?companyId=c1");
  std::map<std::string, sim::FormPart> parts;
  for (const auto& p : requests[0].parts) parts[p.name] = p;
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts["file"].file_name, "Beleg 2025-03.pdf");
  EXPECT_EQ(parts["file"].content_type, "application/pdf");
  EXPECT_EQ(parts["file"].content, bytes);
  EXPECT_EQ(parts["documentType"].content, "Rechnungseingang");
  EXPECT_EQ(parts["note"].content, "Bewirtung");
}

TEST_F(FilesTest, AnAsynchronousUploadIsFollowedToItsEnd) {
  v1::UploadFileAsyncRequest req;
  *req.mutable_upload() = Receipt("%PDF-1.4 receipt");
  v1::UploadFileAsyncResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(files_->UploadFileAsync(ctx.get(), req, &resp).ok());
  ASSERT_FALSE(resp.task_id().empty());
  const v1::Task done = FinishTask(resp.task_id());
  EXPECT_EQ(done.status(), v1::TASK_STATUS_SUCCESS);
  EXPECT_THAT(done.response_data_json(),
              ::testing::HasSubstr("Beleg 2025-03.pdf"));
}

// The id of an uploaded file is what a bill's file_id takes: the upload's
// answer gives it, the bill's create sends it as Maesn's fileId, and the
// bill is read back with it.
TEST_F(FilesTest, AnUploadedFileIsAttachedToABill) {
  v1::UploadFileRequest upload;
  *upload.mutable_upload() = Receipt("%PDF-1.4 supplier invoice");
  v1::UploadFileResponse stored;
  auto ctx = Context();
  ASSERT_TRUE(files_->UploadFile(ctx.get(), upload, &stored).ok());
  const std::string file_id = stored.file().id();
  ASSERT_FALSE(file_id.empty());

  v1::CreateBillRequest create;
  create.mutable_bill()->set_bill_number("ER-2025-0311");
  create.mutable_bill()->set_file_id(file_id);
  v1::NewBillLineItem& line = *create.mutable_bill()->add_line_items();
  line.set_quantity(1);
  line.set_total_net_amount(100);
  v1::CreateBillResponse created;
  auto ctx2 = Context();
  grpc::Status s = bills_->CreateBill(ctx2.get(), create, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created.bill().file_id(), file_id);
  const auto posts = RequestsTo(simulator(), "POST", "/accounting/bills");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(posts[0].body)["fileId"], file_id);

  v1::GetBillRequest get;
  get.set_bill_id(created.bill().id());
  v1::GetBillResponse got;
  auto ctx3 = Context();
  ASSERT_TRUE(bills_->GetBill(ctx3.get(), get, &got).ok());
  EXPECT_EQ(got.bill().file_id(), file_id);
}

TEST_F(FilesTest, DocumentTypesAndExtensionsAreRead) {
  v1::ListFileDocumentTypesResponse types;
  auto ctx = Context();
  ASSERT_TRUE(files_
                  ->ListFileDocumentTypes(
                      ctx.get(), v1::ListFileDocumentTypesRequest{}, &types)
                  .ok());
  ASSERT_EQ(types.document_types_size(), 3);
  EXPECT_EQ(types.document_types(0).name(), "Rechnungseingang");
  EXPECT_EQ(types.document_types(0).category(), "Eingangsrechnungen");
  v1::GetFileExtensionsResponse extensions;
  auto ctx2 = Context();
  ASSERT_TRUE(files_
                  ->GetFileExtensions(
                      ctx2.get(), v1::GetFileExtensionsRequest{}, &extensions)
                  .ok());
  EXPECT_THAT(extensions.extensions().allowed_file_extensions(),
              ElementsAre("pdf", "jpg", "png", "xml"));
  EXPECT_EQ(extensions.meta().mapping_warnings_size(), 0);
}

TEST_F(FilesTest, AnUploadWithoutItsFileOrOverTheSizeLimitSendsNothing) {
  v1::UploadFileRequest req;
  req.mutable_upload()->set_note("no file");
  v1::UploadFileResponse resp;
  auto ctx = Context();
  grpc::Status s = files_->UploadFile(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("upload.file"));

  *req.mutable_upload() = Receipt(std::string(300 << 10, 'x'));
  auto ctx2 = Context();
  s = files_->UploadFile(ctx2.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(simulator().Requests().empty());
}

}  // namespace
}  // namespace maesn::testing
