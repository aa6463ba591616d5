using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// Brings the home scenario's patients to where the stream starts: registered on the virtual ward (a Location of their
/// own, each an in-progress home-health Encounter there), each with a C1D1 tarlatamab dose that started two hours ago,
/// so their monitoring windows are open while their devices stream.
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
        await Parallel.ForEachAsync(patients, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (patient, token) =>
            await SendAsync(client, "/fhir/MedicationAdministration", HomeFeed.Dose(runId, patient, started), await tokens.TokenAsync(token).ConfigureAwait(false), "dose", token)
                .ConfigureAwait(false)).ConfigureAwait(false);
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
