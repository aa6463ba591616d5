using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Research.SiteView;

/// <summary>
/// What the site view reads, site-wide: every protocol-drug dose (<c>monitoring_dose</c>) and every episode onset
/// (<c>episode</c>). Read only; the patient ids stay in the service (they pair a dose with the same patient's next dose
/// and episodes) and never reach the answer.
/// </summary>
internal static class SiteViewStore
{
    [Sql]
    private const string Doses = """
        SELECT patient_id AS PatientId, drug_key AS DrugKey, started_at AS StartedAt, protocol_id AS ProtocolId, cycle AS Cycle, day AS Day
        FROM monitoring_dose ORDER BY patient_id, started_at, id
        """;

    [Sql]
    private const string Onsets = """
        SELECT patient_id AS PatientId, scale AS Scale, onset_at AS OnsetAt FROM episode ORDER BY patient_id, scale, onset_at
        """;

    public static async Task<IReadOnlyList<SiteDose>> DosesAsync(DbConnection c, CancellationToken ct) =>
        [.. (await c.QueryAsync<DoseRecord>(Dialect.Command(c, null, Doses, null, ct)).ConfigureAwait(false))
            .Select(r => new SiteDose(r.PatientId, r.DrugKey, r.StartedAt, r.ProtocolId, r.Cycle, r.Day))];

    public static async Task<IReadOnlyList<EpisodeOnset>> OnsetsAsync(DbConnection c, CancellationToken ct) =>
        [.. (await c.QueryAsync<OnsetRecord>(Dialect.Command(c, null, Onsets, null, ct)).ConfigureAwait(false))
            .Select(r => new EpisodeOnset(r.PatientId, r.Scale, r.OnsetAt))];

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class DoseRecord
    {
        public string PatientId { get; set; } = "";
        public string DrugKey { get; set; } = "";
        public DateTimeOffset StartedAt { get; set; }
        public string? ProtocolId { get; set; }
        public int? Cycle { get; set; }
        public int? Day { get; set; }
    }

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class OnsetRecord
    {
        public string PatientId { get; set; } = "";
        public Scale Scale { get; set; }
        public DateTimeOffset OnsetAt { get; set; }
    }
}
