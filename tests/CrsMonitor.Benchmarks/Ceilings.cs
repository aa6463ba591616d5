using System.Data.Common;
using System.Net;
using System.Text.Json;
using Dapper;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Benchmarks;

/// <summary>What a ceiling endpoint does with each request before answering 201.</summary>
public enum CeilingKind
{
    /// <summary>Reads the body.</summary>
    Http,

    /// <summary>Reads the body and parses it with Firely's FhirJsonDeserializer (default settings).</summary>
    Parse,

    /// <summary>Reads, parses, and inserts one row per Observation with Dapper in one transaction.</summary>
    ParseAndStore,
}

/// <summary>
/// A bare Kestrel app in this process on its own loopback port, answering the same POSTs as the service
/// (<c>/fhir/{type}</c> and <c>/fhir</c>) with 201 after doing only <see cref="CeilingKind"/>: the upper bounds the
/// real write path is compared with. No authentication, no logging, no validation beyond the parser's.
/// </summary>
public sealed class CeilingServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly CeilingStore? store;

    private CeilingServer(WebApplication app, CeilingStore? store, Uri baseAddress)
    {
        this.app = app;
        this.store = store;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<CeilingServer> StartAsync(CeilingKind kind, CeilingStore? store, CancellationToken ct)
    {
        if (kind == CeilingKind.ParseAndStore)
        {
            ArgumentNullException.ThrowIfNull(store);
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.UseRouting();
        RequestDelegate handler = kind switch
        {
            CeilingKind.Http => async context =>
            {
                await ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
                context.Response.StatusCode = StatusCodes.Status201Created;
            },
            CeilingKind.Parse => async context =>
            {
                var body = await ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
                context.Response.StatusCode = Parse(body) is null ? StatusCodes.Status400BadRequest : StatusCodes.Status201Created;
            },
            _ => async context =>
            {
                var body = await ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
                if (Parse(body) is not { } resource)
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    return;
                }

                await store!.InsertAsync(ObservationRow.From(resource), context.RequestAborted).ConfigureAwait(false);
                context.Response.StatusCode = StatusCodes.Status201Created;
            },
        };
        app.MapPost("/fhir/{type}", handler);
        app.MapPost("/fhir", handler);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new CeilingServer(app, store, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        if (store is not null)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The body read as the service reads it (into memory, 16 KB at a time).</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Firely's FhirJsonDeserializer with its default settings; null when it reports any issue.</summary>
    private static Resource? Parse(byte[] body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        return FhirJsonDeserializer.DEFAULT.TryDeserializeResource(ref reader, out var resource, out IEnumerable<CodedException> _) ? resource : null;
    }
}

/// <summary>One stored row of the parse-and-store ceiling (its identifier is the key).</summary>
public sealed record ObservationRow(string Identifier, string? PatientReference, string? Code, string? Effective, decimal? Value)
{
    /// <summary>The Observations of a resource: itself, or each entry of a Bundle.</summary>
    public static IReadOnlyList<ObservationRow> From(Resource resource)
    {
        IEnumerable<Observation> observations = resource switch
        {
            Observation o => [o],
            Bundle b => b.Entry.Select(e => e.Resource).OfType<Observation>(),
            _ => [],
        };
        return [.. observations.Select(o => new ObservationRow(
            o.Identifier.FirstOrDefault()?.Value ?? Guid.NewGuid().ToString("N"),
            o.Subject?.Reference,
            o.Code?.Coding.FirstOrDefault()?.Code,
            (o.Effective as FhirDateTime)?.Value,
            (o.Value as Quantity)?.Value))];
    }
}

/// <summary>The table of the parse-and-store ceiling, on SQLite (WAL) or PostgreSQL.</summary>
public abstract class CeilingStore : IAsyncDisposable
{
    protected const string Insert =
        "INSERT INTO ceiling_observation (identifier, patient, code, effective, value) VALUES (@Identifier, @PatientReference, @Code, @Effective, @Value)";

    public async Task InsertAsync(IReadOnlyList<ObservationRow> rows, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(Insert, rows, transaction, cancellationToken: ct)).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    public abstract ValueTask DisposeAsync();

    protected abstract Task<DbConnection> OpenAsync(CancellationToken ct);
}

/// <summary>
/// SQLite as the service opens it (Storage/Database.cs): pooled connections, WAL, busy timeout 5 s and foreign keys
/// set on every open, BEGIN IMMEDIATE transactions, default (FULL) synchronous.
/// </summary>
public sealed class SqliteCeilingStore : CeilingStore
{
    private const string Pragmas = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";

    private const string Create = """
        CREATE TABLE ceiling_observation (identifier TEXT NOT NULL PRIMARY KEY, patient TEXT, code TEXT, effective TEXT, value TEXT)
        """;

    private readonly string connectionString;

    private SqliteCeilingStore(string connectionString) => this.connectionString = connectionString;

    public static async Task<SqliteCeilingStore> CreateAsync(string file, CancellationToken ct)
    {
        var store = new SqliteCeilingStore(new SqliteConnectionStringBuilder { DataSource = file, Pooling = true }.ConnectionString);
        await using var connection = await store.OpenAsync(ct).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(Create, cancellationToken: ct)).ConfigureAwait(false);
        return store;
    }

    /// <summary>The synchronous setting connections opened this way get (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA).</summary>
    public async Task<string> SynchronousAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        var level = await connection.ExecuteScalarAsync<long>(new CommandDefinition("PRAGMA synchronous", cancellationToken: ct)).ConfigureAwait(false);
        return level switch
        {
            0 => "OFF",
            1 => "NORMAL",
            2 => "FULL",
            _ => "EXTRA",
        };
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }

    protected override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>PostgreSQL through one pooled NpgsqlDataSource, as the service uses it.</summary>
public sealed class PostgresCeilingStore : CeilingStore
{
    private const string Create = """
        CREATE TABLE ceiling_observation (identifier text NOT NULL PRIMARY KEY, patient text, code text, effective text, value numeric)
        """;

    private readonly NpgsqlDataSource source;

    private PostgresCeilingStore(NpgsqlDataSource source) => this.source = source;

    public static async Task<PostgresCeilingStore> CreateAsync(string connectionString, CancellationToken ct)
    {
        var store = new PostgresCeilingStore(NpgsqlDataSource.Create(connectionString));
        await using var connection = await store.OpenAsync(ct).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(Create, cancellationToken: ct)).ConfigureAwait(false);
        return store;
    }

    public override ValueTask DisposeAsync() => source.DisposeAsync();

    protected override async Task<DbConnection> OpenAsync(CancellationToken ct) => await source.OpenConnectionAsync(ct).ConfigureAwait(false);
}
