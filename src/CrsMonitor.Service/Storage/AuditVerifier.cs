namespace CrsMonitor.Service.Storage;

/// <summary>What <see cref="AuditVerifier"/> found: the chain holds (<see cref="Problem"/> null) or the first thing that does not match.</summary>
public sealed record AuditVerification(long SealedRows, long Seals, long UnsealedRows, string? LastHash, string? Problem)
{
    public bool Verified => Problem is null;

    /// <summary>One line for the operator.</summary>
    public string Message => Verified
        ? $"audit verified: {SealedRows} rows, {Seals} seals"
            + (UnsealedRows > 0 ? $"; {UnsealedRows} newer rows not yet sealed" : string.Empty)
            + (LastHash is null ? string.Empty : $"; last seal {Seals} hash {LastHash}")
        : $"audit NOT verified: {Problem}";
}

/// <summary>
/// Recomputes the hash chain (<see cref="AuditChain"/>) from the stored rows and seals and names the first row or seal
/// that does not match: a seal missing, out of order or altered; a sealed row altered, deleted, or a row slipped in
/// among sealed rows. Rows newer than the last seal are counted, not judged.
/// </summary>
public static class AuditVerifier
{
    private const int SealPage = 100;

    public static async Task<AuditVerification> VerifyAsync(Database database, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        // The first seal's range starts below every id: the service never writes an id below 1, so such a row was slipped in.
        var (previousSeq, previousHash, previousLastId, rows) = (0L, AuditChain.Genesis, long.MinValue, 0L);
        string? lastHash = null;
        while (true)
        {
            var page = await AuditSealStore.SealsAfterAsync(c, previousSeq, SealPage, ct).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var seal in page)
            {
                var problem = CheckSeal(seal, previousSeq, previousHash, previousLastId, out var listed);
                if (problem is null)
                {
                    var actual = await AuditSealStore.RowsBetweenAsync(c, previousLastId, listed![^1].Id, ct).ConfigureAwait(false);
                    problem = CompareRows(seal.Seq, listed, actual);
                }

                if (problem is not null)
                {
                    return new AuditVerification(rows, previousSeq, 0, lastHash, problem);
                }

                rows += listed!.Count;
                (previousSeq, previousHash, previousLastId, lastHash) = (seal.Seq, seal.Hash, listed[^1].Id, seal.Hash);
            }
        }

        var unsealed = await AuditSealStore.CountAfterAsync(c, previousLastId, ct).ConfigureAwait(false);
        return new AuditVerification(rows, previousSeq, unsealed, lastHash, null);
    }

    /// <summary>The seal on its own: its place in the chain, its hash, and its row list's form.</summary>
    private static string? CheckSeal(AuditSeal seal, long previousSeq, string previousHash, long previousLastId, out IReadOnlyList<(long Id, string Digest)>? listed)
    {
        listed = null;
        if (seal.Seq != previousSeq + 1)
        {
            return $"seal {previousSeq + 1} is missing (seal {seal.Seq} follows seal {previousSeq})";
        }

        if (!string.Equals(seal.PreviousHash.Trim(), previousHash, StringComparison.Ordinal))
        {
            return $"seal {seal.Seq} does not follow seal {previousSeq}: its previous hash is not that seal's hash";
        }

        if (!string.Equals(AuditChain.SealHash(previousHash, seal.RowDigests), seal.Hash.Trim(), StringComparison.Ordinal))
        {
            return $"seal {seal.Seq} does not match its hash: the seal was altered";
        }

        listed = AuditChain.ParseRowDigests(seal.RowDigests);
        if (listed is not { Count: > 0 } || listed[0].Id <= previousLastId || listed.Zip(listed.Skip(1)).Any(p => p.First.Id >= p.Second.Id))
        {
            return $"seal {seal.Seq} has an unreadable row list (ids must rise after seal {previousSeq}'s last row {previousLastId})";
        }

        return listed[0].Id != seal.FirstId || listed[^1].Id != seal.LastId || listed.Count != seal.RowCount
            ? $"seal {seal.Seq} says rows {seal.FirstId}-{seal.LastId} ({seal.RowCount}) but its hashed row list has rows {listed[0].Id}-{listed[^1].Id} ({listed.Count})"
            : null;
    }

    /// <summary>The stored rows of a seal's range against its list, in id order: the first difference.</summary>
    private static string? CompareRows(long seq, IReadOnlyList<(long Id, string Digest)> listed, IReadOnlyList<AuditRecord> actual)
    {
        var (i, j) = (0, 0);
        while (i < listed.Count || j < actual.Count)
        {
            if (j == actual.Count || (i < listed.Count && listed[i].Id < actual[j].Id))
            {
                return $"row {listed[i].Id} (sealed by seal {seq}) is missing: it was deleted after sealing";
            }

            if (i == listed.Count || actual[j].Id < listed[i].Id)
            {
                return $"row {actual[j].Id} is inside seal {seq}'s range but not in it: it was inserted after sealing";
            }

            if (!string.Equals(AuditChain.RowDigest(actual[j]), listed[i].Digest, StringComparison.Ordinal))
            {
                return $"row {actual[j].Id} (sealed by seal {seq}) does not match its seal: it was altered after sealing";
            }

            (i, j) = (i + 1, j + 1);
        }

        return null;
    }
}
