using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CrsMonitor.Cluster.Tests;

/// <summary>What the tests send: the ADT resources that put a patient on a unit, and temperatures (FHIR R4 JSON).</summary>
internal static class Ward
{
    public const string FhirJson = "application/fhir+json";

    public static readonly string Run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

    public static HttpClient Client(Uri baseAddress, string token, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static StringContent Body(string json) => new(json, Encoding.UTF8, FhirJson);

    public static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>Location, Patient and an in-progress Encounter on <paramref name="unit"/> (what the EHR's ADT feed sends).</summary>
    public static async Task AdmitAsync(HttpClient integration, string patient, string unit)
    {
        await Ok(await integration.PutAsync($"/fhir/Location/{unit}", Body($$"""{"resourceType":"Location","id":"{{unit}}","status":"active","name":"Ward {{unit}}"}""")));
        await Ok(await integration.PutAsync($"/fhir/Patient/{patient}", Body(
            $$"""{"resourceType":"Patient","id":"{{patient}}","identifier":[{"system":"urn:mrn","value":"MRN-{{patient}}"}],"name":[{"family":"Cluster","given":["{{patient}}"]}],"birthDate":"1960-05-01"}""")));
        await Ok(await integration.PutAsync($"/fhir/Encounter/enc-{patient}", Body(
            $$$"""{"resourceType":"Encounter","id":"enc-{{{patient}}}","status":"in-progress","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},"subject":{"reference":"Patient/{{{patient}}}"},"location":[{"location":{"reference":"Location/{{{unit}}}"}}]}""")));
    }

    /// <summary>A body temperature in °C (38.0 or more is fever: a CRS grade 1 alert), with a business identifier when given.</summary>
    public static string Temperature(string patient, decimal celsius, DateTimeOffset at, string? identifier = null) => $$$"""
        {"resourceType":"Observation",{{{(identifier is null ? "" : $"\"identifier\":[{{\"system\":\"{IdentifierSystem}\",\"value\":\"{identifier}\"}}],")}}}"status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{Iso(at)}}}",
         "valueQuantity":{"value":{{{celsius.ToString(CultureInfo.InvariantCulture)}}},"unit":"Cel","system":"http://unitsofmeasure.org","code":"Cel"}}
        """;

    public const string IdentifierSystem = "urn:cluster-test:obs";

    /// <summary>Posts a fever for the patient and returns when its 201 was read.</summary>
    public static async Task FeverAsync(HttpClient integration, string patient)
    {
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature(patient, 38.6m, DateTimeOffset.UtcNow.AddMinutes(-1)))));
    }

    public static async Task<string> Ok(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.InRange(200, 299), $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {text}");
        return text;
    }

    public static string IdOf(string json) => JsonDocument.Parse(json).RootElement.GetProperty("id").GetString()!;

    /// <summary>Nearest-rank percentile of milliseconds.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public static double Ms(long fromTimestamp, long toTimestamp) => Stopwatch.GetElapsedTime(fromTimestamp, toTimestamp).TotalMilliseconds;

    /// <summary>Waits (real time, bounded) for a condition, polling.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what, int pollMs = 100)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds} s waiting for {what()}");
            }

            await Task.Delay(pollMs);
        }
    }

    /// <summary>A figure for the README: to the test's output and the progress stream (shown by dotnet test as it runs).</summary>
    public static void Figure(string text)
    {
        TestContext.Out.WriteLine(text);
        TestContext.Progress.WriteLine($"FIGURE {TestContext.CurrentContext.Test.MethodName}: {text}");
    }
}
