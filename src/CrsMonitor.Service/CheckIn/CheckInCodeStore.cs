using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.CheckIn;

/// <summary>A row of <c>checkin_code</c> (migration 0012): never the code itself, only its SHA-256.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class CheckInCodeRow
{
    public string Id { get; set; } = "";
    public string PatientId { get; set; } = "";
    public string CodeHash { get; set; } = "";
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokedBy { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }

    public bool UsableAt(DateTimeOffset now) => RevokedAt is null && now < ExpiresAt;
}

/// <summary>
/// Check-in codes (issue 17): 20 characters of Crockford base32 (100 random bits), shown once as
/// <c>XXXXX-XXXXX-XXXXX-XXXXX</c>; stored as the SHA-256 of the normalised code. Typing slips are forgiven
/// (case, spaces, dashes, O for 0, I and L for 1).
/// </summary>
public static class CheckInCodes
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    public const int Length = 20;

    public static string NewCode()
    {
        Span<byte> random = stackalloc byte[Length];
        RandomNumberGenerator.Fill(random);
        var text = new StringBuilder(Length + 3);
        for (var i = 0; i < Length; i++)
        {
            if (i > 0 && i % 5 == 0)
            {
                text.Append('-');
            }

            text.Append(Alphabet[random[i] & 31]); // 256 is a multiple of 32: no bias
        }

        return text.ToString();
    }

    /// <summary>The code as stored and compared, or null when it cannot be a code (wrong length or characters).</summary>
    public static string? Normalise(string? code)
    {
        if (code is null || code.Length > 64)
        {
            return null;
        }

        var text = new StringBuilder(Length);
        foreach (var c in code)
        {
            if (c is ' ' or '-')
            {
                continue;
            }

            var u = char.ToUpperInvariant(c) switch
            {
                'O' => '0',
                'I' or 'L' => '1',
                var other => other,
            };
            if (!Alphabet.Contains(u, StringComparison.Ordinal))
            {
                return null;
            }

            text.Append(u);
        }

        return text.Length == Length ? text.ToString() : null;
    }

    public static string Hash(string normalised) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(normalised)));
}

internal static class CheckInCodeStore
{
    private const string Columns = """
        id AS Id, patient_id AS PatientId, code_hash AS CodeHash, created_by AS CreatedBy, created_at AS CreatedAt,
        expires_at AS ExpiresAt, revoked_at AS RevokedAt, revoked_by AS RevokedBy, last_used_at AS LastUsedAt
        """;

    [Sql]
    private const string Insert = """
        INSERT INTO checkin_code (id, patient_id, code_hash, created_by, created_at, expires_at)
        VALUES (@Id, @PatientId, @CodeHash, @CreatedBy, @CreatedAt, @ExpiresAt)
        """;

    [Sql]
    private const string ByHash = "SELECT " + Columns + " FROM checkin_code WHERE code_hash = @CodeHash";

    [Sql]
    private const string OfPatient = "SELECT " + Columns + " FROM checkin_code WHERE patient_id = @PatientId ORDER BY created_at DESC, id";

    [Sql]
    private const string Revoke = """
        UPDATE checkin_code SET revoked_at = @Now, revoked_by = @By
        WHERE patient_id = @PatientId AND revoked_at IS NULL AND expires_at > @Now
        """;

    [Sql]
    private const string Used = "UPDATE checkin_code SET last_used_at = @Now WHERE id = @Id";

    public static Task InsertAsync(DbConnection c, DbTransaction tx, CheckInCodeRow row, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, Insert, row, ct));

    public static Task<CheckInCodeRow?> FindAsync(DbConnection c, DbTransaction? tx, string codeHash, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync<CheckInCodeRow>(Dialect.Command(c, tx, ByHash, new { CodeHash = codeHash }, ct));

    public static async Task<IReadOnlyList<CheckInCodeRow>> OfPatientAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<CheckInCodeRow>(Dialect.Command(c, tx, OfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    /// <summary>Revokes every usable code of the patient; returns how many.</summary>
    public static Task<int> RevokeAsync(DbConnection c, DbTransaction tx, string patientId, string by, DateTimeOffset now, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, Revoke, new { PatientId = patientId, By = by, Now = now }, ct));

    public static Task UsedAsync(DbConnection c, DbTransaction tx, string id, DateTimeOffset now, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, Used, new { Id = id, Now = now }, ct));
}
