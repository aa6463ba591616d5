using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// Seals committed audit rows into the hash chain (<see cref="AuditChain"/>, table <c>audit_seal</c>), in id order, at
/// most <c>Storage:AuditSealBatchRows</c> per seal, every <c>Storage:AuditSealIntervalSeconds</c> on the host's clock.
/// The write path pays nothing: no lock, no extra statement; the sealer reads what has committed.
/// <para>
/// Ids are not commit-ordered on PostgreSQL or SQL Server: a transaction can take id 10, another id 11 and commit
/// first. Sealing up to 11 then would leave row 10 to appear later inside a sealed range, which the verifier reports as
/// slipped in. So each pass notes the highest id visible, and seals only up to the highest id noted at least
/// <c>Storage:AuditSealSettleSeconds</c> ago: every transaction that held an id up to it had begun by then, and the
/// service's transactions last milliseconds to seconds. (SQLite commits in id order; the settle delay costs it only
/// latency.) Several nodes may run sealers: seal n is appended once (its seq is the primary key); the others skip.
/// </para>
/// Each seal's hash is logged, so a copy of the chain's head lives outside the database.
/// </summary>
public sealed partial class AuditSealer(Database database, IOptions<StorageSettings> options, TimeProvider time, ILogger<AuditSealer> logger)
    : PeriodicPass(time, logger)
{
    private readonly Lock gate = new();
    private readonly Queue<(DateTimeOffset At, long MaxId)> observed = new();
    private long settledUpTo;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.AuditSealIntervalSeconds);

    protected override Task RunPassAsync(CancellationToken ct) => SealOnceAsync(ct);

    /// <summary>Notes the highest audit id visible now, then seals every row up to the settled id; returns the seals appended.</summary>
    public async Task<int> SealOnceAsync(CancellationToken ct)
    {
        var now = Time.GetUtcNow();
        long maxId;
        await using (var connection = await database.OpenAsync(ct).ConfigureAwait(false))
        {
            maxId = await AuditSealStore.MaxIdAsync(connection, ct).ConfigureAwait(false);
        }

        var upTo = Settled(now, maxId);
        var seals = 0;
        while (await SealNextAsync(upTo, now, ct).ConfigureAwait(false))
        {
            seals++;
        }

        return seals;
    }

    /// <summary>Records (now, highest id) and returns the highest id noted at least the settle delay before now.</summary>
    private long Settled(DateTimeOffset now, long maxId)
    {
        var settledBefore = now - TimeSpan.FromSeconds(options.Value.AuditSealSettleSeconds);
        lock (gate)
        {
            observed.Enqueue((now, maxId));
            while (observed.TryPeek(out var first) && first.At <= settledBefore)
            {
                settledUpTo = Math.Max(settledUpTo, observed.Dequeue().MaxId);
            }

            return settledUpTo;
        }
    }

    /// <summary>Appends the next seal (rows after the last seal, up to <paramref name="upTo"/>); false when there is nothing to seal or another sealer was first.</summary>
    private async Task<bool> SealNextAsync(long upTo, DateTimeOffset now, CancellationToken ct)
    {
        AuditSeal? last;
        IReadOnlyList<AuditRecord> rows;
        await using (var connection = await database.OpenAsync(ct).ConfigureAwait(false))
        {
            last = await AuditSealStore.LastAsync(connection, null, ct).ConfigureAwait(false);
            rows = await AuditSealStore.RowsAfterAsync(connection, last?.LastId ?? 0, upTo, options.Value.AuditSealBatchRows, ct).ConfigureAwait(false);
        }

        if (rows.Count == 0)
        {
            return false;
        }

        var previous = last?.Hash ?? AuditChain.Genesis;
        var digests = AuditChain.RowDigests(rows);
        var seal = new AuditSeal((last?.Seq ?? 0) + 1, rows[0].Id, rows[^1].Id, rows.Count, now, previous, digests, AuditChain.SealHash(previous, digests));
        var appended = await database.InTransactionAsync((c, tx) => AuditSealStore.TryAppendAsync(c, tx, seal, ct), ct).ConfigureAwait(false);
        if (appended)
        {
            LogSealed(logger, seal.FirstId, seal.LastId, seal.RowCount, seal.Seq, seal.Hash);
        }

        return appended;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit rows {FirstId}-{LastId} ({Rows} rows) sealed as seal {Seq}, hash {Hash}")]
    private static partial void LogSealed(ILogger logger, long firstId, long lastId, long rows, long seq, string hash);
}
