using System.Text.Json.Nodes;
using CrsMonitor.Service.Monitoring.Schedule;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule;

/// <summary>Steps for monitoring tests: record doses and checks through FHIR, step the fake clock, let Quartz settle, read the status.</summary>
internal static class MonitoringHost
{
    public const string Unit = "7W";

    /// <summary>A client that signs each request with a new token at the fake "now" (tests step the clock by days; tokens expire).</summary>
    public static HttpClient FreshClient(ServiceHost host, string role, params string[] units) =>
        host.CreateDefaultClient(new FreshTokenHandler(() => host.TokenFor(role, units)));

    public static string Tarlatamab(string patient, DateTimeOffset start, DateTimeOffset? end) =>
        Medication(patient, CrsMonitorMedication, "tarlatamab", start, end);

    /// <summary>A vital-signs check: temperature, systolic BP and SpO2 (through an oxygen device reading on room air with SpO2).</summary>
    public static async Task VitalsAsync(HttpClient integration, string patient, DateTimeOffset at, decimal temperature = 36.8m)
    {
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature(patient, temperature, "Cel", at))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic(patient, 120m, at))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Spo2(patient, 97m, at))));
    }

    public static string Spo2(string patient, decimal value, DateTimeOffset at) =>
        $$$"""
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"59408-5"},{"system":"http://loinc.org","code":"2708-6"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{Iso(at)}}}",
         "valueQuantity":{"value":{{{value.ToString(System.Globalization.CultureInfo.InvariantCulture)}}},"unit":"%","system":"http://unitsofmeasure.org","code":"%"}}
        """;

    public static async Task<JsonNode> StatusAsync(HttpClient clinician, string patient) =>
        JsonNode.Parse(await Ok(await clinician.GetAsync($"/api/patients/{patient}/status")))!;

    /// <summary>
    /// Waits (real time, bounded) until every wake-up handed over is in Quartz, no window job is running, and no trigger
    /// of ours is due at the fake "now": what Quartz had to do at this instant is done. A condition wait, not a sleep.
    /// </summary>
    public static async Task SettleAsync(ServiceHost host)
    {
        var scheduler = await host.Services.GetRequiredService<SchedulerHost>().Scheduler;
        var wakes = host.Services.GetRequiredService<WakeUps>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var quiet = 0;
        while (DateTime.UtcNow < deadline)
        {
            var now = host.Time.GetUtcNow();
            var busy = wakes.Pending > 0
                || (await scheduler.QueryFireInstances(new FireInstanceQuery())).Items.Count > 0;
            if (!busy)
            {
                var triggers = await scheduler.QueryTriggers(new TriggerQuery { Group = GroupMatcher<TriggerKey>.GroupEquals(SchedulerHost.Group), Take = PagedQuery.All });
                busy = triggers.Items.Any(t => t.NextFireTimeUtc is { } next && next <= now);
            }

            quiet = busy ? 0 : quiet + 1;
            if (quiet >= 3)
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail("Quartz did not settle within 30 s");
    }
}

internal sealed class FreshTokenHandler(Func<string> token) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token());
        return base.SendAsync(request, cancellationToken);
    }
}
