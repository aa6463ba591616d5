using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// Brings the home scenario's patients to where the stream starts: registered on the virtual ward (a Location of their
/// own, each an in-progress home-health Encounter there), each with a C1D1 tarlatamab dose that started two hours ago
/// (their windows open), moved to home monitoring by a physician, with the patch and the cuff enrolled by the remote
/// nurse: so every reading of the stream runs the device bookkeeping (last data, gap instants, wear time) too.
/// </summary>
public static class HomeSetup
{
    public const string Unit = "VW";

    public static async Task RunAsync(ServiceProcess service, TokenKeeper tokens, string runId, IReadOnlyList<string> patients, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(service);
        using var client = LoadGenerator.NewClient(service.BaseAddress, 8);
        var token = await tokens.TokenAsync(ct).ConfigureAwait(false);
        await LoadGenerator.PutAsync(client, $"/fhir/Location/{Unit}", Payloads.Location(Unit), token, ct).ConfigureAwait(false);
        foreach (var chunk in patients.Chunk(100))
        {
            await SendAsync(client, "/fhir", Encoding.UTF8.GetBytes(Admission(chunk)), await tokens.TokenAsync(ct).ConfigureAwait(false), "admission", ct).ConfigureAwait(false);
        }

        var started = DateTimeOffset.UtcNow.AddHours(-2);
        var nurse = await service.MintAsync("nurse", "bench-remote-nurse", [Unit], ct).ConfigureAwait(false);
        var physician = await service.MintAsync("physician", "bench-physician", [Unit], ct).ConfigureAwait(false);
        await Parallel.ForEachAsync(patients, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (patient, token) =>
        {
            await SendAsync(client, "/fhir/MedicationAdministration", HomeFeed.Dose(runId, patient, started), await tokens.TokenAsync(token).ConfigureAwait(false), "dose", token)
                .ConfigureAwait(false);
            await SendJsonAsync(client, $"/api/patients/{patient}/setting", """{"setting":"home","reason":"hospital at home"}""", physician, "move home", token).ConfigureAwait(false);
            await SendJsonAsync(client, $"/api/patients/{patient}/devices", Enrolment(HomeFeed.Patch(patient),
                """[{"signal":"temperature","everySeconds":120},{"signal":"heart-rate","everySeconds":60},{"signal":"spo2","everySeconds":60},{"signal":"respiratory-rate","everySeconds":60}]"""),
                nurse, "patch enrolment", token).ConfigureAwait(false);
            await SendJsonAsync(client, $"/api/patients/{patient}/devices", Enrolment(HomeFeed.Cuff(patient), """[{"signal":"blood-pressure","everySeconds":21600}]"""),
                nurse, "cuff enrolment", token).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>An enrolment as the remote nurse makes it: the device's identity as its readings carry it, the signals and cadences.</summary>
    private static string Enrolment(string device, string signals) =>
        $$"""{"device":"urn:bench:device|{{device}}","signals":{{signals}},"reason":"home monitoring kit"}""";

    private static async Task SendJsonAsync(HttpClient client, string path, string json, string token, string what, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the {what} was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
        }
    }

    /// <summary>PUT Patient and PUT home-health Encounter (class HH) on the virtual ward for each patient, one transaction.</summary>
    private static string Admission(IEnumerable<string> patients)
    {
        var entries = patients.SelectMany(p => new[]
        {
            $$$"""{"resource":{{{Payloads.Patient(p)}}},"request":{"method":"PUT","url":"Patient/{{{p}}}"}}""",
            $$$"""{"resource":{"resourceType":"Encounter","id":"enc-{{{p}}}","status":"in-progress","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"HH"},"subject":{"reference":"Patient/{{{p}}}"},"location":[{"location":{"reference":"Location/{{{Unit}}}"}}]},"request":{"method":"PUT","url":"Encounter/enc-{{{p}}}"}}""",
        });
        return $$$"""{"resourceType":"Bundle","type":"transaction","entry":[{{{string.Join(',', entries)}}}]}""";
    }

    private static async Task SendAsync(HttpClient client, string path, byte[] body, string token, string what, CancellationToken ct)
    {
        var (ok, error) = await LoadGenerator.SendAsync(client, path, body, token, ct).ConfigureAwait(false);
        if (!ok)
        {
            throw new InvalidOperationException($"the {what} was not stored: {error}");
        }
    }
}
