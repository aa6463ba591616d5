using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using CrsMonitor.Service.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace CrsMonitor.Service.Identity;

/// <summary>
/// The development signing key: 256 random bits for HMAC-SHA256, kept as a JSON Web Key in
/// <c>dev-signing-key.json</c> in the data folder (owner-only, 0600, on Unix). Created on first use; the service and
/// the <c>token</c> verb share it through the file. Accepted only in development mode, never with an Authority set.
/// </summary>
public sealed class DevSigningKey
{
    public const string FileName = "dev-signing-key.json";
    public const string Issuer = "crsmonitor-dev";
    public const string Audience = "crsmonitor-dev";
    private const int KeyBytes = 32;

    private DevSigningKey(byte[] key)
    {
        KeyId = Base64Url.EncodeToString(SHA256.HashData(key).AsSpan(0, 8));
        SecurityKey = new SymmetricSecurityKey(key) { KeyId = KeyId };
    }

    public string KeyId { get; }

    public SymmetricSecurityKey SecurityKey { get; }

    public SigningCredentials SigningCredentials => new(SecurityKey, SecurityAlgorithms.HmacSha256);

    /// <summary>Reads the key of <paramref name="data"/>, creating the folder and a new key when there is none.</summary>
    public static DevSigningKey LoadOrCreate(DataDirectory data, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(time);
        var path = data.PathOf(FileName);
        if (File.Exists(path))
        {
            return Load(path);
        }

        data.EnsureExists();
        var key = RandomNumberGenerator.GetBytes(KeyBytes);
        var file = new KeyFile("oct", "HS256", "sig", Base64Url.EncodeToString(key), time.GetUtcNow());
        try
        {
            // Another process (the service or a token verb) may create it first: then use theirs.
            return SecretFile.TryCreate(path, stream => JsonSerializer.Serialize(stream, file, KeyFileJson.Default.KeyFile))
                ? new DevSigningKey(key)
                : Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupConfigurationException($"Cannot write the development signing key '{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads an existing key file; a missing or damaged file is an error naming the file and the fix.</summary>
    public static DevSigningKey Load(string path)
    {
        KeyFile? file;
        try
        {
            SecretFile.TightenPermissions(path);
            using var stream = File.OpenRead(path);
            file = JsonSerializer.Deserialize(stream, KeyFileJson.Default.KeyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw Damaged(path, e.Message, e);
        }

        if (file is not { Kty: "oct", Alg: "HS256", K: { } k })
        {
            throw Damaged(path, "not an HS256 symmetric JSON Web Key", null);
        }

        var key = new byte[Base64Url.GetMaxDecodedLength(k.Length)];
        if (!Base64Url.TryDecodeFromChars(k, key, out var written) || written != KeyBytes)
        {
            throw Damaged(path, $"the key must be {KeyBytes * 8} bits, base64url-encoded", null);
        }

        return new DevSigningKey(key[..written]);
    }

    private static StartupConfigurationException Damaged(string path, string why, Exception? inner)
    {
        var message = $"The development signing key '{path}' cannot be used ({why}). Delete the file to create a new key; tokens signed with the old key stop working.";
        return inner is null ? new(message) : new(message, inner);
    }

    internal sealed record KeyFile(
        [property: JsonPropertyName("kty")] string Kty,
        [property: JsonPropertyName("alg")] string Alg,
        [property: JsonPropertyName("use")] string Use,
        [property: JsonPropertyName("k")] string? K,
        [property: JsonPropertyName("created")] DateTimeOffset Created);
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(DevSigningKey.KeyFile))]
internal sealed partial class KeyFileJson : JsonSerializerContext;
