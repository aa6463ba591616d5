using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Hl7v2.Mllp;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Hl7v2;

/// <summary>
/// The service with its MLLP listener on a free loopback port, authority HOSP mapped to <c>urn:mrn</c> (the system
/// FhirTestData's Patients use, so both feeds name the same patient), on a test database of the given provider.
/// </summary>
public sealed class V2Host : IAsyncDisposable
{
    private readonly TestDatabase database;

    private V2Host(TestDatabase database, ServiceHost host)
    {
        this.database = database;
        Host = host;
    }

    public ServiceHost Host { get; }

    public IPEndPoint Endpoint => Host.Services.GetRequiredService<MllpListener>().LocalEndPoint!;

    /// <summary>
    /// Starts the host with <paramref name="extra"/> settings; <paramref name="now"/> is the fake clock's time at start, set
    /// before the host starts (moving a running host's clock by months would run every periodic timer once per period crossed).
    /// </summary>
    public static async Task<V2Host> StartAsync(StorageProvider provider, IReadOnlyDictionary<string, string?>? extra = null, DateTimeOffset? now = null)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var settings = new Dictionary<string, string?>(database.HostSettings)
        {
            ["Mllp:Enabled"] = "true",
            ["Mllp:Port"] = "0",
            ["Hl7v2:AssigningAuthorities:HOSP"] = "urn:mrn",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var host = new ServiceHost(settings);
        host.Time.SetUtcNow(now ?? ServiceHost.Start);
        _ = host.Server; // starts the host (and the listener)
        return new V2Host(database, host);
    }

    /// <summary>Sends one message on a new connection and reads its ACK.</summary>
    public async Task<ParsedAck> SendAsync(string message)
    {
        await using var client = await MllpTestClient.ConnectAsync(Endpoint);
        return ParsedAck.Parse(await client.SendAsync(message));
    }

    /// <summary>The id of the patient with identifier urn:mrn|MRN-{patient} on the unit's census, or null.</summary>
    public async Task<string?> PatientIdAsync(string patient, string unit = "7W")
    {
        using var nurse = Host.ClientFor("nurse", unit);
        var census = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/units/{unit}/patients")))!;
        return census["patients"]!.AsArray().FirstOrDefault(p => (string?)p!["displayName"] == $"{patient} Test")?["patientId"]?.GetValue<string>();
    }

    public async Task<IReadOnlyList<StoredRejectedPayload>> RejectedAsync()
    {
        await using var c = await Host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return await RejectedPayloadStore.RecentAsync(c, 100, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await database.DisposeAsync();
    }
}
