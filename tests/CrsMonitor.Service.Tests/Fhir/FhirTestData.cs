using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>FHIR JSON builders for the endpoint tests: a ward (Location), a patient admitted to it, and vital signs.</summary>
public static class FhirTestData
{
    public const string MediaType = "application/fhir+json";

    public static StringContent Body(string json) => new(json, Encoding.UTF8, MediaType);

    public static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public static string Location(string unit) => $$$"""{"resourceType":"Location","id":"{{{unit}}}","status":"active","name":"Ward {{{unit}}}"}""";

    public static string Patient(string id, string birthDate = "1960-05-01") =>
        $$$"""{"resourceType":"Patient","id":"{{{id}}}","identifier":[{"system":"urn:mrn","value":"MRN-{{{id}}}"}],"name":[{"family":"Test","given":["{{{id}}}"]}],"birthDate":"{{{birthDate}}}"}""";

    public static string Encounter(string id, string patient, string unit) =>
        $$$"""{"resourceType":"Encounter","id":"{{{id}}}","status":"in-progress","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},"subject":{"reference":"Patient/{{{patient}}}"},"location":[{"location":{"reference":"Location/{{{unit}}}"}}]}""";

    public static string Temperature(string patient, decimal value, string unit, DateTimeOffset at, string? identifier = null) =>
        $$$"""
        {"resourceType":"Observation",{{{Identifier(identifier)}}}"status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{Iso(at)}}}",
         "valueQuantity":{"value":{{{value.ToString(CultureInfo.InvariantCulture)}}},"unit":"{{{unit}}}","system":"http://unitsofmeasure.org","code":"{{{unit}}}"}}
        """;

    public static string Systolic(string patient, decimal value, DateTimeOffset at) =>
        $$$"""
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{Iso(at)}}}",
         "component":[
           {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":{{{value.ToString(CultureInfo.InvariantCulture)}}},"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
           {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":60,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}
        """;

    public static string OxygenDevice(string patient, string device, DateTimeOffset at, decimal? flow = null) =>
        $$$"""
        {"resourceType":"Observation","status":"final",
         "code":{"coding":[{"system":"https://crsmonitor.org/fhir/CodeSystem/observation","code":"oxygen-device"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{Iso(at)}}}",
         "valueCodeableConcept":{"coding":[{"system":"https://crsmonitor.org/fhir/CodeSystem/oxygen-device","code":"{{{device}}}"}]}
         {{{FlowComponent(flow)}}}}
        """;

    public static string NeuroCheck(string patient, DateTimeOffset at, int namingCount, bool writes, string consciousness = "alert") =>
        $$$"""
        {"resourceType":"QuestionnaireResponse","questionnaire":"https://crsmonitor.org/fhir/Questionnaire/neuro-check","status":"completed",
         "subject":{"reference":"Patient/{{{patient}}}"},"authored":"{{{Iso(at)}}}",
         "item":[
          {"linkId":"orientationYear","answer":[{"valueBoolean":true}]},
          {"linkId":"orientationMonth","answer":[{"valueBoolean":true}]},
          {"linkId":"orientationCity","answer":[{"valueBoolean":true}]},
          {"linkId":"orientationHospital","answer":[{"valueBoolean":true}]},
          {"linkId":"namingCount","answer":[{"valueInteger":{{{namingCount}}}}]},
          {"linkId":"followsCommands","answer":[{"valueBoolean":true}]},
          {"linkId":"writesSentence","answer":[{"valueBoolean":{{{(writes ? "true" : "false")}}}}]},
          {"linkId":"countsBackwards","answer":[{"valueBoolean":true}]},
          {"linkId":"consciousness","answer":[{"valueCoding":{"system":"https://crsmonitor.org/fhir/CodeSystem/neuro","code":"{{{consciousness}}}"}}]}]}
        """;

    /// <summary>A MedicationAdministration by RxNorm ingredient or CrsMonitor medication code; no end = still running.</summary>
    public static string Medication(string patient, string system, string code, DateTimeOffset start, DateTimeOffset? end = null) =>
        $$$"""
        {"resourceType":"MedicationAdministration","status":"{{{(end is null ? "in-progress" : "completed")}}}",
         "medicationCodeableConcept":{"coding":[{"system":"{{{system}}}","code":"{{{code}}}"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},
         "effectivePeriod":{"start":"{{{Iso(start)}}}"{{{(end is { } e ? $",\"end\":\"{Iso(e)}\"" : string.Empty)}}}}}
        """;

    public const string RxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";

    public const string CrsMonitorMedication = "https://crsmonitor.org/fhir/CodeSystem/medication";

    private static string FlowComponent(decimal? flow) => flow is not { } f
        ? string.Empty
        : $$$"""
        ,"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"3151-8"}]},"valueQuantity":{"value":{{{f.ToString(CultureInfo.InvariantCulture)}}},"unit":"L/min","system":"http://unitsofmeasure.org","code":"L/min"}}]
        """;

    private static string Identifier(string? value) =>
        value is null ? string.Empty : $$$"""
        "identifier":[{"system":"urn:ehr:obs","value":"{{{value}}}"}],
        """;

    /// <summary>Admits a patient to a unit through the ADT path (integration token): Location, Patient, Encounter.</summary>
    public static async Task AdmitAsync(HttpClient integration, string patient, string unit)
    {
        ArgumentNullException.ThrowIfNull(integration);
        await Ok(await integration.PutAsync($"/fhir/Location/{unit}", Body(Location(unit))));
        await Ok(await integration.PutAsync($"/fhir/Patient/{patient}", Body(Patient(patient))));
        await Ok(await integration.PutAsync($"/fhir/Encounter/enc-{patient}", Body(Encounter($"enc-{patient}", patient, unit))));
    }

    public static async Task<string> Ok(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.InRange(200, 299), text);
        return text;
    }

    public static void Bearer(HttpClient client, string token)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }
}
