using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// The EHR side over HTTP with an integration token (ADT and neuro checks), as in the service tests' FhirTestData:
/// a ward (Location), a patient admitted to it (Patient, Encounter), and a neuro-check QuestionnaireResponse.
/// </summary>
public static class Fhir
{
    private const string MediaType = "application/fhir+json";

    /// <summary>Admits a patient to a unit through the ADT path: Location, Patient, Encounter (PUT, integration token).</summary>
    public static async Task AdmitAsync(ServiceProcess service, string patient, string unit)
    {
        ArgumentNullException.ThrowIfNull(service);
        using var client = await ClientAsync(service).ConfigureAwait(false);
        await PutAsync(client, $"Location/{unit}", $$$"""{"resourceType":"Location","id":"{{{unit}}}","status":"active","name":"Ward {{{unit}}}"}""").ConfigureAwait(false);
        await PutAsync(client, $"Patient/{patient}",
            $$$"""{"resourceType":"Patient","id":"{{{patient}}}","identifier":[{"system":"urn:mrn","value":"MRN-{{{patient}}}"}],"name":[{"family":"Browser","given":["{{{patient}}}"]}],"birthDate":"1960-05-01"}""")
            .ConfigureAwait(false);
        await PutAsync(client, $"Encounter/enc-{patient}",
            $$$"""{"resourceType":"Encounter","id":"enc-{{{patient}}}","status":"in-progress","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},"subject":{"reference":"Patient/{{{patient}}}"},"location":[{"location":{"reference":"Location/{{{unit}}}"}}]}""")
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Posts a complete neuro check (alert, no seizure, motor or ICP finding, not sedated) whose ICE total is
    /// <paramref name="ice"/> (4 orientation points, naming 0-3, 3 more points).
    /// </summary>
    public static async Task PostNeuroCheckAsync(ServiceProcess service, string patient, int ice)
    {
        ArgumentNullException.ThrowIfNull(service);
        var points = Enumerable.Range(0, 10).Select(i => i < ice).ToArray();
        var naming = points[4..7].Count(p => p);
        string Bool(string linkId, bool value) => $$$"""{"linkId":"{{{linkId}}}","answer":[{"valueBoolean":{{{(value ? "true" : "false")}}}}]}""";
        string Code(string linkId, string code) => $$$"""{"linkId":"{{{linkId}}}","answer":[{"valueCoding":{"system":"https://crsmonitor.org/fhir/CodeSystem/neuro","code":"{{{code}}}"}}]}""";
        string[] items =
        [
            Bool("orientationYear", points[0]), Bool("orientationMonth", points[1]), Bool("orientationCity", points[2]), Bool("orientationHospital", points[3]),
            $$$"""{"linkId":"namingCount","answer":[{"valueInteger":{{{naming}}}}]}""",
            Bool("followsCommands", points[7]), Bool("writesSentence", points[8]), Bool("countsBackwards", points[9]),
            Code("consciousness", "alert"), Bool("sedated", false), Code("seizure", "none"), Code("motor", "none"), Code("icp", "none"),
        ];
        var authored = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var json = $$$"""
            {"resourceType":"QuestionnaireResponse","identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:{{{Guid.NewGuid()}}}"},
             "questionnaire":"https://crsmonitor.org/fhir/Questionnaire/neuro-check","status":"completed",
             "subject":{"reference":"Patient/{{{patient}}}"},"authored":"{{{authored}}}","item":[{{{string.Join(',', items)}}}]}
            """;
        using var client = await ClientAsync(service).ConfigureAwait(false);
        using var body = new StringContent(json, Encoding.UTF8, MediaType);
        using var response = await client.PostAsync(new Uri("fhir/QuestionnaireResponse", UriKind.Relative), body).ConfigureAwait(false);
        await OkAsync(response).ConfigureAwait(false);
    }

    /// <summary>Posts a body temperature in °C taken at <paramref name="at"/> (the EHR's vital-signs feed, integration token).</summary>
    public static async Task PostTemperatureAsync(ServiceProcess service, string patient, decimal celsius, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(service);
        var json = $$$"""
            {"resourceType":"Observation","status":"final",
             "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
             "code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},
             "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}}}",
             "valueQuantity":{"value":{{{celsius.ToString(CultureInfo.InvariantCulture)}}},"unit":"Cel","system":"http://unitsofmeasure.org","code":"Cel"}}
            """;
        using var client = await ClientAsync(service).ConfigureAwait(false);
        using var body = new StringContent(json, Encoding.UTF8, MediaType);
        using var response = await client.PostAsync(new Uri("fhir/Observation", UriKind.Relative), body).ConfigureAwait(false);
        await OkAsync(response).ConfigureAwait(false);
    }

    /// <summary>A clinician's GET of the API (JSON text), for preconditions checked outside the browser.</summary>
    public static async Task<string> GetAsync(ServiceProcess service, string token, string path)
    {
        ArgumentNullException.ThrowIfNull(service);
        using var client = new HttpClient { BaseAddress = service.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.GetAsync(new Uri(path.TrimStart('/'), UriKind.Relative)).ConfigureAwait(false);
        return await OkAsync(response).ConfigureAwait(false);
    }

    private static async Task<HttpClient> ClientAsync(ServiceProcess service)
    {
        // Integration tokens live at most 5 minutes: a fresh one for each use.
        var token = await service.TokenAsync("integration").ConfigureAwait(false);
        var client = new HttpClient { BaseAddress = service.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task PutAsync(HttpClient client, string path, string json)
    {
        using var body = new StringContent(json, Encoding.UTF8, MediaType);
        using var response = await client.PutAsync(new Uri($"fhir/{path}", UriKind.Relative), body).ConfigureAwait(false);
        await OkAsync(response).ConfigureAwait(false);
    }

    private static async Task<string> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        Assert.That((int)response.StatusCode, Is.InRange(200, 299), $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {text}");
        return text;
    }
}
