using System.Text.Json;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using Json.Schema;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// Steps the alert tests share: a host listening on a real port (Kestrel, so the SignalR client speaks real HTTP and
/// WebSockets), FHIR builders the other helpers lack (a neuro check item by item), the alerts HTTP API, the alert rows
/// and changes as stored, and bounded condition waits (never fixed sleeps).
/// </summary>
internal static class AlertKit
{
    public const string West = "7W";
    public const string East = "5E";

    /// <summary>A Monday after the tarlatamab US 2025-11 protocol took effect, so alerts carry its management text.</summary>
    public static readonly DateTimeOffset Day = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>A started host on <paramref name="database"/> listening on a free loopback port, its fake clock at <paramref name="now"/>.</summary>
    public static ServiceHost Listening(
        TestDatabase database, DateTimeOffset now, IReadOnlyDictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        var settings = database.HostSettings;
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var host = new ServiceHost(settings, services);
        host.Time.SetUtcNow(now);
        host.UseKestrel(0);
        host.StartServer();
        return host;
    }

    public static Uri Address(ServiceHost host) =>
        new(host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static Uri HubUrl(ServiceHost host, string? query = null) => new(Address(host), AlertHub.Path + (query is null ? string.Empty : "?" + query));

    /// <summary>A neuro check with each ICE item given (ICE = 4 orientation + naming 0–3 + commands + writing + counting).</summary>
    public static string NeuroCheck(string patient, DateTimeOffset at, Ice ice, string consciousness = "alert")
    {
        ArgumentNullException.ThrowIfNull(ice);
        static string B(bool b) => b ? "true" : "false";
        return $$$"""
        {"resourceType":"QuestionnaireResponse","questionnaire":"https://crsmonitor.org/fhir/Questionnaire/neuro-check","status":"completed",
         "subject":{"reference":"Patient/{{{patient}}}"},"authored":"{{{Iso(at)}}}",
         "item":[
          {"linkId":"orientationYear","answer":[{"valueBoolean":{{{B(ice.Year)}}}}]},
          {"linkId":"orientationMonth","answer":[{"valueBoolean":{{{B(ice.Month)}}}}]},
          {"linkId":"orientationCity","answer":[{"valueBoolean":{{{B(ice.City)}}}}]},
          {"linkId":"orientationHospital","answer":[{"valueBoolean":{{{B(ice.Hospital)}}}}]},
          {"linkId":"namingCount","answer":[{"valueInteger":{{{ice.Naming}}}}]},
          {"linkId":"followsCommands","answer":[{"valueBoolean":{{{B(ice.Commands)}}}}]},
          {"linkId":"writesSentence","answer":[{"valueBoolean":{{{B(ice.Writes)}}}}]},
          {"linkId":"countsBackwards","answer":[{"valueBoolean":{{{B(ice.Counts)}}}}]},
          {"linkId":"consciousness","answer":[{"valueCoding":{"system":"https://crsmonitor.org/fhir/CodeSystem/neuro","code":"{{{consciousness}}}"}}]}]}
        """;
    }

    /// <summary>A neuro check of a sedated patient whose ICE was not possible: ICANS cannot be graded (ICANS-SEDATION).</summary>
    public static string SedatedNeuroCheck(string patient, DateTimeOffset at) => $$$"""
        {"resourceType":"QuestionnaireResponse","questionnaire":"https://crsmonitor.org/fhir/Questionnaire/neuro-check","status":"completed",
         "subject":{"reference":"Patient/{{{patient}}}"},"authored":"{{{Iso(at)}}}",
         "item":[
          {"linkId":"iceNotPossibleReason","answer":[{"valueCoding":{"system":"https://crsmonitor.org/fhir/CodeSystem/neuro","code":"sedated"}}]},
          {"linkId":"sedated","answer":[{"valueBoolean":true}]}]}
        """;

    /// <summary>Posts a resource and returns its server id.</summary>
    public static async Task<string> PostAsync(HttpClient client, string type, string json)
    {
        ArgumentNullException.ThrowIfNull(client);
        var answer = await client.PostAsync($"/fhir/{type}", Body(json));
        var text = await Ok(answer);
        var id = JsonNode.Parse(text)!["id"]?.GetValue<string>();
        return id ?? Fhir.FhirAssert.IdOf(answer);
    }

    public static Task<string> ObservationAsync(HttpClient client, string json) => PostAsync(client, "Observation", json);

    /// <summary>GET /api/patients/{id}/alerts: each alert (checked against alert.schema.json) with its "actions".</summary>
    public static async Task<JsonArray> AlertsOfAsync(HttpClient clinician, string patient)
    {
        ArgumentNullException.ThrowIfNull(clinician);
        var alerts = JsonNode.Parse(await Ok(await clinician.GetAsync($"/api/patients/{patient}/alerts")))!["alerts"]!.AsArray();
        foreach (var alert in alerts)
        {
            var copy = alert!.DeepClone().AsObject();
            copy.Remove("actions");
            AlertSchema.AssertValid(copy);
        }

        return alerts;
    }

    public static IReadOnlyList<JsonNode> OfCondition(JsonArray alerts, string condition) =>
        [.. alerts.Where(a => a!["condition"]!.GetValue<string>() == condition).Select(a => a!)];

    public static JsonNode Single(JsonArray alerts, string condition)
    {
        var matching = OfCondition(alerts, condition);
        Assert.That(matching, Has.Count.EqualTo(1), () => $"one {condition} alert expected in {alerts.ToJsonString()}");
        return matching[0];
    }

    public static IReadOnlyList<string> Actions(JsonNode alert) =>
        [.. alert["actions"]!.AsArray().Select(a => a!["action"]!.GetValue<string>())];

    public static IReadOnlyList<string> RuleIds(JsonNode alert) =>
        [.. alert["basis"]!["rules"]!.AsArray().Select(r => r!["id"]!.GetValue<string>())];

    public static IReadOnlyList<string> ReadingsOf(JsonNode alert) =>
        [.. alert["basis"]!["readings"]!.AsArray().Select(r => r!.GetValue<string>())];

    public static int Tier(JsonNode alert) => alert["escalation"]!["tier"]!.GetValue<int>();

    public static DateTimeOffset? NextAt(JsonNode alert) => alert["escalation"]!["nextAt"]?.GetValue<DateTimeOffset>();

    public static string Text(JsonNode node, string property) => node[property]!.GetValue<string>();

    /// <summary>Every row of <c>alert_change</c> (what dashboards are told), by unit and seq.</summary>
    public static async Task<IReadOnlyList<ChangeRow>> ChangesAsync(ServiceHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<ChangeRow>(
            "SELECT unit AS Unit, seq AS Seq, alert_id AS AlertId, kind AS Kind, payload AS Payload FROM alert_change ORDER BY unit, seq")];
    }

    /// <summary>Every alert row: id, unit, seq (of its latest change), state, tier.</summary>
    public static async Task<IReadOnlyList<AlertSeqRow>> AlertRowsAsync(ServiceHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<AlertSeqRow>(
            "SELECT id AS Id, unit AS Unit, seq AS Seq, state AS State, escalation_tier AS Tier FROM alert ORDER BY unit, seq")];
    }

    /// <summary>The audit rows with this action, waiting (bounded) until <paramref name="count"/> are there: the row of a request is written as it ends.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> AuditRowsAsync(ServiceHost host, string action, int count)
    {
        ArgumentNullException.ThrowIfNull(host);
        IReadOnlyList<AuditEntry> rows = [];
        await WaitUntilAsync(async () =>
        {
            await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
            rows = [.. (await AuditStore.RecentAsync(connection, 10_000, CancellationToken.None)).Where(r => r.Action == action)];
            return rows.Count >= count;
        }, () => $"{count} audit rows {action}; have {rows.Count}");
        return rows;
    }

    /// <summary>Waits (real time, bounded) for a condition; polls, so it is for conditions no event announces.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(what);
        var deadline = DateTime.UtcNow + (timeout ?? Patience);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what()}");
            }

            await Task.Delay(20);
        }
    }
}

/// <summary>ICE items (grading-rules.md): each orientation item 1 point, naming 0–3, commands, writing and counting 1 each.</summary>
internal sealed record Ice(
    bool Year = true, bool Month = true, bool City = true, bool Hospital = true, int Naming = 3, bool Commands = true, bool Writes = true, bool Counts = true)
{
    public int Score => new[] { Year, Month, City, Hospital, Commands, Writes, Counts }.Count(b => b) + Naming;

    /// <summary>ICE 5 (ICANS grade 2: ICE 3–6): year and month wrong, one object named, no sentence.</summary>
    public static Ice Five => new(Year: false, Month: false, Naming: 1, Writes: false);

    /// <summary>ICE 8 (ICANS grade 1: ICE 7–9).</summary>
    public static Ice Eight => new(Year: false, Naming: 2);
}

/// <summary>A row of <c>alert_change</c> (materialised by Dapper: settable properties convert each provider's column types).</summary>
internal sealed class ChangeRow
{
    public string Unit { get; set; } = "";

    public long Seq { get; set; }

    public string AlertId { get; set; } = "";

    public string Kind { get; set; } = "";

    public string Payload { get; set; } = "";
}

/// <summary>The delivery columns of an <c>alert</c> row.</summary>
internal sealed class AlertSeqRow
{
    public string Id { get; set; } = "";

    public string Unit { get; set; } = "";

    public long Seq { get; set; }

    public string State { get; set; } = "";

    public int Tier { get; set; }
}

/// <summary>schemas/alerts/alert.schema.json, the contract of hub payloads and the HTTP API (and alert-moved.schema.json, of alertMoved).</summary>
internal static class AlertSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(() => Load("alert.schema.json"));

    private static readonly Lazy<JsonSchema> MovedSchema = new(() => Load("alert-moved.schema.json"));

    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    public static void AssertValid(JsonNode alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        using var document = JsonDocument.Parse(alert.ToJsonString());
        AssertValid(document.RootElement);
    }

    public static void AssertValid(JsonElement alert) => AssertMatches(Schema.Value, "alert.schema.json", alert);

    /// <summary>An alertMoved payload: the envelope against alert-moved.schema.json, the alert it carries (if any) against alert.schema.json.</summary>
    public static void AssertValidMove(JsonElement move)
    {
        AssertMatches(MovedSchema.Value, "alert-moved.schema.json", move);
        if (move.GetProperty("alert").ValueKind == JsonValueKind.Object)
        {
            AssertValid(move.GetProperty("alert"));
        }
    }

    private static void AssertMatches(JsonSchema schema, string name, JsonElement payload)
    {
        var result = schema.Evaluate(payload, Options);
        Assert.That(result.IsValid, Is.True, () =>
            $"payload does not match {name}: {string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")))}\n{payload.GetRawText()}");
    }

    private static JsonSchema Load(string file) => JsonSchema.FromText(
        File.ReadAllText(Path.Combine(RepositoryRoot(), "schemas", "alerts", file)), new BuildOptions { SchemaRegistry = new SchemaRegistry() });

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CrsMonitor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CrsMonitor.sln not found above the test folder");
    }
}

/// <summary>
/// Captures everything a logger is given: the formatted message, every structured value (what a JSON log would
/// write), the scopes around it and the exception, one line per entry.
/// </summary>
internal sealed class CapturedLogs : Microsoft.Extensions.Logging.ILoggerProvider, Microsoft.Extensions.Logging.ISupportExternalScope
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> lines = new();
    private Microsoft.Extensions.Logging.IExternalScopeProvider? scopes;

    public IReadOnlyList<string> Lines => [.. lines];

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void SetScopeProvider(Microsoft.Extensions.Logging.IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(string category, CapturedLogs owner) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner.scopes?.Push(state);

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

        public void Log<TState>(
            Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = new System.Text.StringBuilder($"{logLevel} {category}: {formatter(state, exception)}");
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    line.Append(System.Globalization.CultureInfo.InvariantCulture, $" | {key}={value}");
                }
            }

            owner.scopes?.ForEachScope((scope, builder) => builder.Append(System.Globalization.CultureInfo.InvariantCulture, $" | scope {scope}"), line);
            if (exception is not null)
            {
                line.Append(" | ").Append(exception);
            }

            owner.lines.Enqueue(line.ToString());
        }
    }
}
