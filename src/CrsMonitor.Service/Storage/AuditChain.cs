using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CrsMonitor.Service.Storage;

/// <summary>One stored audit row with its id, as the sealer and the verifier read it.</summary>
public sealed record AuditRecord(long Id, AuditEntry Entry);

/// <summary>
/// The hash chain over <c>audit_log</c> (pure: no SQL, no clock). A row's canonical text is its id and every column,
/// each length-prefixed (so no two different rows share a text); its digest is the first 128 bits of SHA-256 of that
/// text, in hex. A seal lists its rows as <c>id:digest</c> lines, and its hash is SHA-256 of the previous seal's hash
/// and that list: changing, removing or slipping in a sealed row, or removing or changing a seal, breaks the chain.
/// </summary>
public static class AuditChain
{
    /// <summary>The "previous hash" of the first seal.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>The canonical text of a row (instants UTC to the tick, as stored).</summary>
    public static string CanonicalText(AuditRecord row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var e = row.Entry;
        var text = new StringBuilder(256);
        foreach (var field in new[]
        {
            row.Id.ToString(CultureInfo.InvariantCulture), DbTypes.ToText(e.At), e.Actor, e.Role, e.Action, e.ResourceType, e.ResourceId,
            e.PatientId, e.Outcome, e.RemoteAddress, e.CorrelationId, e.Detail,
        })
        {
            text.Append(field is null ? "-|" : string.Create(CultureInfo.InvariantCulture, $"{field.Length}:{field}|"));
        }

        return text.ToString();
    }

    /// <summary>The row's digest: the first 128 bits of SHA-256 of its canonical text (UTF-8), lower-case hex.</summary>
    public static string RowDigest(AuditRecord row) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalText(row))).AsSpan(0, 16));

    /// <summary>The row list a seal stores: one <c>id:digest</c> line per row, in id order.</summary>
    public static string RowDigests(IEnumerable<AuditRecord> rows) =>
        string.Concat(rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Id}:{RowDigest(r)}\n")));

    /// <summary>A seal's hash: SHA-256 of the previous seal's hash, a newline and the seal's row list, lower-case hex.</summary>
    public static string SealHash(string previousHash, string rowDigests) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{previousHash}\n{rowDigests}")));

    /// <summary>Reads a seal's row list back (id, digest); null when it is not in the form <see cref="RowDigests"/> writes.</summary>
    public static IReadOnlyList<(long Id, string Digest)>? ParseRowDigests(string rowDigests)
    {
        ArgumentNullException.ThrowIfNull(rowDigests);
        var rows = new List<(long, string)>();
        foreach (var line in rowDigests.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 1 || !long.TryParse(line.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return null;
            }

            rows.Add((id, line[(colon + 1)..]));
        }

        return rows;
    }
}
