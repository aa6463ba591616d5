using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Research.Export;
using CrsMonitor.Service.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;

namespace CrsMonitor.Service.Tests.Research.Export;

/// <summary>Steps the export tests share: the Bulk Data requests as a client sends them, the rows as stored, bounded waits.</summary>
internal static class ExportKit
{
    /// <summary>A researcher's client (token subject <paramref name="subject"/>), with a token minted at the host's clock now.</summary>
    public static HttpClient Researcher(ServiceHost host, string subject) =>
        host.ClientWith(host.Token("--role", Roles.Researcher, "--sub", subject));

    /// <summary><c>GET /fhir/$export{query}</c> with <c>Prefer: respond-async</c> and <c>Accept: application/fhir+json</c> (unless told otherwise).</summary>
    public static async Task<HttpResponseMessage> KickOffAsync(HttpClient client, string query = "", string? prefer = "respond-async")
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fhir/$export" + query);
        if (prefer is not null)
        {
            request.Headers.TryAddWithoutValidation("Prefer", prefer);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        return await client.SendAsync(request);
    }

    /// <summary>Kicks off and returns the status URL (Content-Location) and the export id, asserting 202.</summary>
    public static async Task<(Uri Status, string Id)> KickedOffAsync(HttpClient client, string query = "")
    {
        using var answer = await KickOffAsync(client, query);
        var text = await answer.Content.ReadAsStringAsync();
        Assert.That((int)answer.StatusCode, Is.EqualTo(202), text);
        var location = answer.Content.Headers.ContentLocation ?? answer.Headers.GetValues("Content-Location").Select(v => new Uri(v)).Single();
        return (location, location.Segments[^1]);
    }

    /// <summary>A GET asking for the manifest as a Bulk Data client does (Accept: application/json).</summary>
    public static async Task<HttpResponseMessage> StatusAsync(HttpClient client, string id)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/fhir/$export-status/{id}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> DeleteAsync(HttpClient client, string id) =>
        client.DeleteAsync(new Uri($"/fhir/$export-status/{id}", UriKind.Relative));

    /// <summary>A GET of a file as a Bulk Data client does (Accept: application/fhir+ndjson).</summary>
    public static async Task<HttpResponseMessage> FileAsync(HttpClient client, string url)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+ndjson"));
        return await client.SendAsync(request);
    }

    /// <summary>The export row as stored, or null.</summary>
    public static async Task<ExportJob?> JobAsync(ServiceHost host, string id)
    {
        ArgumentNullException.ThrowIfNull(host);
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return await ExportStore.FindAsync(connection, id, CancellationToken.None);
    }

    /// <summary>Waits (bounded, real time) until the export's status is <paramref name="status"/>; returns the row.</summary>
    public static async Task<ExportJob> WaitForAsync(ServiceHost host, string id, ExportStatus status)
    {
        ExportJob? job = null;
        await WaitUntilAsync(async () => (job = await JobAsync(host, id))?.Status == status, () => $"export {id} {status}; it is {job?.Status.ToString() ?? "gone"}");
        return job!;
    }

    /// <summary>Waits (bounded, real time) until no export is queued or running: what a test leaves behind must not hold the worker.</summary>
    public static Task WaitForNoneInProgressAsync(ServiceHost host) => WaitUntilAsync(async () =>
    {
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM research_export WHERE status IN ('queued', 'running')") == 0;
    }, () => "no export in progress");

    /// <summary>How many files the export has stored.</summary>
    public static async Task<long> FileCountAsync(ServiceHost host, string id)
    {
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM research_export_file WHERE export_id = @Id", new { Id = id });
    }

    /// <summary>The audit rows of one request (by its correlation id).</summary>
    public static async Task<IReadOnlyList<AuditEntry>> RowsOfAsync(ServiceHost host, HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(response);
        var correlationId = response.Headers.GetValues(AuditMiddleware.CorrelationHeader).Single();
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return [.. (await AuditStore.RecentAsync(connection, 10_000, CancellationToken.None)).Where(r => r.CorrelationId == correlationId)];
    }

    /// <summary>The OperationOutcome of a refusal: its status, and the expression of each issue.</summary>
    public static async Task<IReadOnlyList<string>> RefusedAsync(HttpResponseMessage response, int status)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(status), text);
        var outcome = JsonNode.Parse(text)!;
        Assert.That(outcome["resourceType"]!.GetValue<string>(), Is.EqualTo("OperationOutcome"), text);
        return [.. outcome["issue"]!.AsArray().SelectMany(i => i!["expression"]?.AsArray().Select(e => e!.GetValue<string>()) ?? [])];
    }

    /// <summary>The diagnostics of every issue of an OperationOutcome answer.</summary>
    public static async Task<string> DiagnosticsAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var outcome = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return string.Join(" | ", outcome["issue"]!.AsArray().Select(i => i!["diagnostics"]?.GetValue<string>()));
    }
}
