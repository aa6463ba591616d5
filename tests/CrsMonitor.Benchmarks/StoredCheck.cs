using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CrsMonitor.Benchmarks;

/// <summary>What the service's database holds after a run: Observations stored (all and per patient), readings, grade points, audit rows.</summary>
public sealed record StoredCounts(long Observations, long Readings, long GradePoints, long AuditRows, IReadOnlyDictionary<string, long> ObservationsPerPatient);

/// <summary>
/// The exactly-once check of every scenario that writes through the service: read after the service stopped, straight
/// from its database (SQLite file read-only, or the PostgreSQL database), and compared with what the clients saw.
/// Every acknowledged Observation must be stored, once: at least as many stored as acknowledged, and at most as many
/// more as requests went unacknowledged (a request the client gave up on may still have been committed).
/// </summary>
public static class StoredCheck
{
    /// <summary>The words of the verdict when the counts break the rule (runs fail on it).</summary>
    public const string Mismatch = "**MISMATCH**";

    private const string Counts = """
        SELECT (SELECT COUNT(*) FROM fhir_resource WHERE resource_type = 'Observation') AS Observations,
               (SELECT COUNT(*) FROM reading) AS Readings,
               (SELECT COUNT(*) FROM grade_point) AS GradePoints,
               (SELECT COUNT(*) FROM audit_log) AS AuditRows
        """;

    private const string PerPatient = """
        SELECT patient_id AS Patient, COUNT(*) AS Observations FROM fhir_resource
        WHERE resource_type = 'Observation' GROUP BY patient_id
        """;

    /// <summary>
    /// Reads the counts: <paramref name="connection"/> is the SQLite file (provider "SQLite") or a PostgreSQL connection
    /// string.
    /// </summary>
    public static async Task<StoredCounts> ReadAsync(string provider, string connection, CancellationToken ct)
    {
        if (provider == "SQLite")
        {
            var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = connection, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString);
            await using (c.ConfigureAwait(false))
            {
                return await ReadAsync(c, ct).ConfigureAwait(false);
            }
        }

        var pg = new NpgsqlConnection(connection);
        await using (pg.ConfigureAwait(false))
        {
            return await ReadAsync(pg, ct).ConfigureAwait(false);
        }
    }

    /// <summary>"all, once each", the extra committed ones explained, or <see cref="Mismatch"/>.</summary>
    public static string Verdict(long stored, long acknowledged, long unacknowledged) => stored == acknowledged
        ? "all, once each"
        : stored > acknowledged && stored <= acknowledged + unacknowledged
            ? string.Create(CultureInfo.InvariantCulture,
                $"{stored - acknowledged:N0} more: of the {unacknowledged:N0} requests that got no 2xx (errors, or abandoned by the client), these were committed")
            : Mismatch;

    /// <summary>The note of a run: acknowledged, stored, the verdict, and the other rows written.</summary>
    public static string Note(string provider, StoredCounts counts, long acknowledged, long unacknowledged)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return string.Create(CultureInfo.InvariantCulture,
            $"{provider}: {acknowledged:N0} Observations acknowledged with 2xx (warm-up included), {counts.Observations:N0} stored "
            + $"({Verdict(counts.Observations, acknowledged, unacknowledged)}); "
            + $"{counts.Readings:N0} readings, {counts.GradePoints:N0} grade points, {counts.AuditRows:N0} audit rows.");
    }

    private static async Task<StoredCounts> ReadAsync(System.Data.Common.DbConnection c, CancellationToken ct)
    {
        var totals = await c.QuerySingleAsync<(long, long, long, long)>(new CommandDefinition(Counts, cancellationToken: ct)).ConfigureAwait(false);
        var perPatient = await c.QueryAsync<(string?, long)>(new CommandDefinition(PerPatient, cancellationToken: ct)).ConfigureAwait(false);
        return new StoredCounts(totals.Item1, totals.Item2, totals.Item3, totals.Item4,
            perPatient.Where(p => p.Item1 is not null).ToDictionary(p => p.Item1!, p => p.Item2, StringComparer.Ordinal));
    }
}

/// <summary>
/// What the MLLP scenario's patients hold after a run, by MRN (both sides' Patients carry urn:bench:mrn|MRN-{id}):
/// Observations and readings per patient, the Observations made from ORU results (their identifier system), and the
/// HL7 v2 message log by type and ACK code (an accepted message's row is written with its effects).
/// </summary>
public sealed record SideBySideCounts(
    IReadOnlyDictionary<string, long> ObservationsByMrn, IReadOnlyDictionary<string, long> ReadingsByMrn, long V2ResultObservations,
    IReadOnlyDictionary<(string Type, string Ack), long> LoggedMessages)
{
    private const string ObservationsPerMrn = """
        SELECT p.value AS Mrn, COUNT(*) AS N FROM fhir_resource o
        JOIN fhir_identifier p ON p.resource_type = 'Patient' AND p.resource_id = o.patient_id
        WHERE o.resource_type = 'Observation' AND p.system = @System GROUP BY p.value
        """;

    private const string ReadingsPerMrn = """
        SELECT p.value AS Mrn, COUNT(*) AS N FROM reading r
        JOIN fhir_identifier p ON p.resource_type = 'Patient' AND p.resource_id = r.patient_id
        WHERE p.system = @System GROUP BY p.value
        """;

    private const string V2Results = "SELECT COUNT(*) FROM fhir_identifier WHERE resource_type = 'Observation' AND system = @ResultSystem";

    private const string Logged = "SELECT message_type AS Type, ack_code AS Ack, COUNT(*) AS N FROM hl7v2_message GROUP BY message_type, ack_code";

    /// <summary>Reads the counts from the service's database (after it stopped): the SQLite file or a PostgreSQL connection string.</summary>
    public static async Task<SideBySideCounts> ReadAsync(string provider, string connection, CancellationToken ct)
    {
        System.Data.Common.DbConnection c = provider == "SQLite"
            ? new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = connection, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString)
            : new NpgsqlConnection(connection);
        await using (c.ConfigureAwait(false))
        {
            var parameters = new { System = V2Payloads.MrnSystem, V2Payloads.ResultSystem };
            var observations = await c.QueryAsync<(string, long)>(new CommandDefinition(ObservationsPerMrn, parameters, cancellationToken: ct)).ConfigureAwait(false);
            var readings = await c.QueryAsync<(string, long)>(new CommandDefinition(ReadingsPerMrn, parameters, cancellationToken: ct)).ConfigureAwait(false);
            var results = await c.ExecuteScalarAsync<long>(new CommandDefinition(V2Results, parameters, cancellationToken: ct)).ConfigureAwait(false);
            var logged = await c.QueryAsync<(string, string, long)>(new CommandDefinition(Logged, cancellationToken: ct)).ConfigureAwait(false);
            return new SideBySideCounts(
                observations.ToDictionary(o => o.Item1, o => o.Item2, StringComparer.Ordinal), readings.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal),
                results, logged.ToDictionary(l => (l.Item1, l.Item2), l => l.Item3));
        }
    }
}
