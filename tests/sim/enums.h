// Maesn's enum vocabularies (openapi.yaml), as the simulator validates them.
#ifndef MAESN_TESTS_SIM_ENUMS_H_
#define MAESN_TESTS_SIM_ENUMS_H_

#include <initializer_list>

namespace maesn::sim {

using EnumValues = std::initializer_list<const char*>;

inline constexpr EnumValues kDocumentStatuses = {
    "DRAFT",   "CORRECTIVE",     "SUBMITTED", "DOCUMENT_CREATED",
    "OPEN",    "PARTIALLY_PAID", "PAID",      "PARTIALLY_OVERDUE",
    "OVERDUE", "VOIDED"};
// PatchInvoiceRequestDto.status accepts only these.
inline constexpr EnumValues kPatchInvoiceStatuses = {
    "DRAFT", "SUBMITTED", "OPEN", "PARTIALLY_PAID", "PAID", "VOIDED"};
inline constexpr EnumValues kPaymentStatuses = {"NO_OPEN_ITEM",
                                                "PENDING",
                                                "PARTLY_PAID",
                                                "PAID",
                                                "DEBITED",
                                                "CREDIT_NOTE_CLEARED",
                                                "CLEARED_WITH_CREDIT_NOTE",
                                                "BAD_DEBT",
                                                "PARTIAL_CANCELLATION",
                                                "CANCELED",
                                                "UNKNOWN"};
inline constexpr EnumValues kTaxRules = {"NET",
                                         "TAXFREE",
                                         "INTRACOMMUNITY_GOODS",
                                         "INTRACOMMUNITY_SERVICE",
                                         "EXPORT_SERVICE",
                                         "EXPORT_GOODS",
                                         "REVERSE_CHARGE",
                                         "GROSS",
                                         "CONSTRUCTION_SERVICE",
                                         "PHOTOVOLTAIC_EQUIPMENT",
                                         "SMALL_BUSINESS_EXEMPTION",
                                         "NON_DOMESTIC_SERVICE",
                                         "OSS_GOODS",
                                         "OSS_ELECTRONIC_SERVICES",
                                         "OSS_SERVICES"};
// PatchInvoiceRequestDto.taxRule has its own vocabulary.
inline constexpr EnumValues kPatchTaxRules = {"NET",
                                              "GROSS",
                                              "FREETAX",
                                              "INTRACOMMUNITY",
                                              "CONSTRUCTIONSERVICE",
                                              "EXTERNALSERVICE",
                                              "THIRDPARTYCOUNTRYSERVICE",
                                              "THIRDPARTYCOUNTRYDELIVERY",
                                              "REVERSECHARGE",
                                              "VATSALES",
                                              "EXPORT",
                                              "NONE",
                                              "DEFAULT",
                                              "EU",
                                              "NOTEU",
                                              "CUSTOM",
                                              "SS"};
inline constexpr EnumValues kInvoiceTypes = {"STANDARD", "BILL"};
inline constexpr EnumValues kInvoiceShippingTypes = {
    "SERVICE", "SERVICEPERIOD", "DELIVERY", "DELIVERYPERIOD", "NONE"};
inline constexpr EnumValues kBillShippingTypes = {
    "SERVICE", "SERVICE_PERIOD", "DELIVERY", "DELIVERY_PERIOD"};
inline constexpr EnumValues kLineAmountTypes = {"EXCLUSIVE", "INCLUSIVE",
                                                "NOTAX"};
inline constexpr EnumValues kLineTypes = {"SERVICE_ITEM", "MATERIAL", "CUSTOM",
                                          "TEXT"};
inline constexpr EnumValues kAddressTypes = {"BILLING", "DELIVERY", "SELLING"};
inline constexpr EnumValues kOrderDirections = {"ASC", "DESC"};
inline constexpr EnumValues kInvoiceOrderFields = {
    "invoiceDate", "invoiceNumber", "createdDate", "updatedDate"};
inline constexpr EnumValues kBillOrderFields = {"billDate", "billNumber",
                                                "createdDate", "updatedDate"};

}  // namespace maesn::sim

#endif  // MAESN_TESTS_SIM_ENUMS_H_
