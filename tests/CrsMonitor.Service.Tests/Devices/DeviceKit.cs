using System.Globalization;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Devices;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Devices;

/// <summary>Steps the device stream tests share: wearable Observations (with <c>device</c>), enrolment, a window by hand, the gap pass.</summary>
internal static class DeviceKit
{
    public const string DeviceSystem = "urn:example:wearable";

    /// <summary>The identity a reading of <see cref="Observation"/> carries for device <paramref name="serial"/>.</summary>
    public static string Identity(string serial) => $"{DeviceSystem}|{serial}";

    /// <summary>A wearable's Observation: <paramref name="signal"/> (temperature °C, heart-rate /min, spo2 %, respiratory-rate /min), naming the device by identifier.</summary>
    public static string Observation(string patient, string signal, decimal value, DateTimeOffset at, string serial)
    {
        var (code, unit) = signal switch
        {
            Signals.Temperature => ("8310-5", "Cel"),
            Signals.HeartRate => ("8867-4", "/min"),
            Signals.RespiratoryRate => ("9279-1", "/min"),
            Signals.Spo2 => ("59408-5", "%"),
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "no code in the kit"),
        };
        return $$$"""
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"{{{code}}}"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{Iso(at)}}}",
         "device":{"identifier":{"system":"{{{DeviceSystem}}}","value":"{{{serial}}}"}},
         "valueQuantity":{"value":{{{value.ToString(CultureInfo.InvariantCulture)}}},"unit":"{{{unit}}}","system":"http://unitsofmeasure.org","code":"{{{unit}}}"}}
        """;
    }

    public static string Enrolment(string serial, string signals, int? graceSeconds = null) =>
        $$$"""{"device":"{{{Identity(serial)}}}","signals":{{{signals}}}{{{(graceSeconds is { } g ? $",\"graceSeconds\":{g}" : "")}}},"reason":"home monitoring"}""";

    /// <summary>POST /api/patients/{id}/devices; returns the enrolment.</summary>
    public static async Task<JsonNode> EnrolAsync(HttpClient clinician, string patient, string body) =>
        JsonNode.Parse(await Ok(await clinician.PostAsync($"/api/patients/{patient}/devices", Body(body, "application/json"))))!;

    /// <summary>Opens a window by hand from now (nurse or physician).</summary>
    public static async Task<JsonNode> OpenWindowAsync(HttpClient clinician, string patient, int minHours = 6, int maxHours = 8) =>
        JsonNode.Parse(await Ok(await clinician.PostAsync($"/api/patients/{patient}/windows",
            Body($$"""{"minHours":{{minHours}},"maxHours":{{maxHours}},"reason":"observation after the dose"}""", "application/json"))))!;

    /// <summary>Moves the fake clock to <paramref name="at"/> and runs one pass of the gap worker there (as its timer would).</summary>
    public static async Task GapPassAtAsync(ServiceHost host, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.Time.SetUtcNow(at);
        await host.Services.GetRequiredService<DeviceGapWorker>().RunOnceAsync(CancellationToken.None);
    }

    private static StringContent Body(string json, string mediaType) => new(json, System.Text.Encoding.UTF8, mediaType);
}
