using System.Security.Cryptography;
using CrsMonitor.Service.Hosting;

namespace CrsMonitor.Service.Research.Deidentification;

/// <summary>
/// The secret the export's pseudonyms and date shifts are keyed with (HMAC-SHA256, 256 bits). Whoever holds it can
/// re-identify an export by recomputing pseudonyms from patient ids, so it stays on the service's side: an owner-only
/// file, created at first use. Losing or replacing it makes later exports' pseudonyms and shifts differ from earlier
/// ones (say so to the registry); every node of a cluster must read the same file.
/// </summary>
public sealed class PseudonymKey
{
    public const string DefaultFileName = "research-pseudonym.key";
    private const int KeyBytes = 32;

    private readonly byte[] key;

    private PseudonymKey(byte[] key) => this.key = key;

    /// <summary>HMAC-SHA256 of a purpose-prefixed text: each use (pseudonym, date shift, resource id) has its own prefix.</summary>
    public byte[] Mac(string purpose, string text) =>
        HMACSHA256.HashData(key, System.Text.Encoding.UTF8.GetBytes($"{purpose}\n{text}"));

    public static PseudonymKey LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = RandomNumberGenerator.GetBytes(KeyBytes);
        try
        {
            // Another node or process may create it first: then use theirs.
            return SecretFile.TryCreate(path, stream => stream.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes))))
                ? new PseudonymKey(bytes)
                : Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupConfigurationException($"Cannot read or write the research pseudonym key '{path}': {e.Message}", e);
        }
    }

    private static PseudonymKey Load(string path)
    {
        try
        {
            SecretFile.TightenPermissions(path);
            var bytes = Convert.FromBase64String(File.ReadAllText(path).Trim());
            return bytes.Length == KeyBytes
                ? new PseudonymKey(bytes)
                : throw new StartupConfigurationException($"The research pseudonym key '{path}' does not hold {KeyBytes} bytes (base64); restore it from backup");
        }
        catch (FormatException e)
        {
            throw new StartupConfigurationException($"The research pseudonym key '{path}' is not base64; restore it from backup", e);
        }
    }
}
