using System.Globalization;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Research;

/// <summary>Laboratory Observations as a hospital LIS sends them (category laboratory, LOINC, UCUM), for the HTTP tests.</summary>
internal static class LabFhir
{
    /// <summary>A result of <paramref name="loinc"/> taken at <paramref name="at"/>; a comparator makes it censored; an identifier makes corrections possible.</summary>
    public static string Lab(
        string patient, string loinc, decimal value, string unit, DateTimeOffset at, string? comparator = null, string? identifier = null, string status = "final") =>
        $$$"""
        {"resourceType":"Observation","status":"{{{status}}}",
         {{{IdentifierOf(identifier)}}}
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"{{{loinc}}}"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{Iso(at)}}}",
         "valueQuantity":{"value":{{{value.ToString(CultureInfo.InvariantCulture)}}},{{{(comparator is null ? string.Empty : $"\"comparator\":\"{comparator}\",")}}}"unit":"{{{unit}}}","system":"http://unitsofmeasure.org","code":"{{{unit}}}"}}
        """;

    private static string IdentifierOf(string? value) =>
        value is null ? string.Empty : $$$"""
        "identifier":[{"system":"urn:lis:result","value":"{{{value}}}"}],
        """;

    public static string Ldh(string patient, decimal value, DateTimeOffset at, string? identifier = null) => Lab(patient, "2532-0", value, "U/L", at, identifier: identifier);

    public static string Creatinine(string patient, decimal value, DateTimeOffset at) => Lab(patient, "2160-0", value, "mg/dL", at);

    public static string Platelets(string patient, decimal value, DateTimeOffset at, string? comparator = null, string? identifier = null) =>
        Lab(patient, "777-3", value, "10*3/uL", at, comparator, identifier);

    public static string Crp(string patient, decimal value, DateTimeOffset at, string? comparator = null) => Lab(patient, "1988-5", value, "mg/L", at, comparator);

    public static string Ferritin(string patient, decimal value, DateTimeOffset at) => Lab(patient, "2276-4", value, "ng/mL", at);
}
