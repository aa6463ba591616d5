using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CrsMonitor.Service.Hosting;

namespace CrsMonitor.Service.Hl7v2.Mllp;

/// <summary>
/// The listener's TLS certificate, loaded once at start-up from <c>Mllp:CertificatePath</c>: a PKCS#12 (PFX) file, or
/// a PEM file with its key in the same file or in <c>Mllp:CertificateKeyPath</c>; the password (PFX, or an encrypted
/// PEM key) is read from <c>Mllp:CertificatePasswordFile</c> so it never sits in configuration or the environment.
/// Intermediate certificates in the file are sent with the leaf (offline: no fetching at start-up). Every failure
/// names the setting to fix, as a <see cref="StartupConfigurationException"/>.
/// </summary>
public sealed class MllpServerCertificate : IDisposable
{
    private readonly X509Certificate2Collection owned;

    private MllpServerCertificate(X509Certificate2 leaf, X509Certificate2Collection intermediates)
    {
        Leaf = leaf;
        owned = [leaf, .. intermediates];
        Context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
    }

    public X509Certificate2 Leaf { get; }

    public SslStreamCertificateContext Context { get; }

    public static MllpServerCertificate Load(MllpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var path = settings.CertificatePath.Trim();
        var keyPath = settings.CertificateKeyPath.Trim();
        const string Section = MllpSettings.SectionName;
        RequireFile(path, $"{Section}:{nameof(MllpSettings.CertificatePath)}");
        if (keyPath.Length > 0)
        {
            RequireFile(keyPath, $"{Section}:{nameof(MllpSettings.CertificateKeyPath)}");
        }

        var password = ReadPassword(settings.CertificatePasswordFile.Trim());
        return keyPath.Length > 0 || IsPem(path) ? LoadPem(path, keyPath, password) : LoadPkcs12(path, password);
    }

    public void Dispose()
    {
        foreach (var certificate in owned)
        {
            certificate.Dispose();
        }
    }

    private static MllpServerCertificate LoadPkcs12(string path, string? password)
    {
        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password);
        }
        catch (CryptographicException e)
        {
            throw new StartupConfigurationException(
                $"{MllpSettings.SectionName}:{nameof(MllpSettings.CertificatePath)}: '{path}' could not be read as a PKCS#12 (PFX) file ({e.Message}); "
                + $"is {MllpSettings.SectionName}:{nameof(MllpSettings.CertificatePasswordFile)} the file holding its password?", e);
        }

        var leaf = all.FirstOrDefault(c => c.HasPrivateKey);
        if (leaf is null)
        {
            foreach (var certificate in all)
            {
                certificate.Dispose();
            }

            throw new StartupConfigurationException(
                $"{MllpSettings.SectionName}:{nameof(MllpSettings.CertificatePath)}: '{path}' holds no certificate with its private key.");
        }

        var intermediates = new X509Certificate2Collection();
        intermediates.AddRange(all.Where(c => !ReferenceEquals(c, leaf)).ToArray());
        return new MllpServerCertificate(leaf, intermediates);
    }

    private static MllpServerCertificate LoadPem(string path, string keyPath, string? password)
    {
        var keySetting = keyPath.Length > 0 ? nameof(MllpSettings.CertificateKeyPath) : nameof(MllpSettings.CertificatePath);
        X509Certificate2 leaf;
        var chain = new X509Certificate2Collection();
        try
        {
            leaf = password is null
                ? X509Certificate2.CreateFromPemFile(path, keyPath.Length > 0 ? keyPath : null)
                : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath.Length > 0 ? keyPath : null);
            chain.ImportFromPemFile(path);
        }
        catch (CryptographicException e)
        {
            throw new StartupConfigurationException(
                $"{MllpSettings.SectionName}:{keySetting}: the certificate '{path}' and its private key could not be read as PEM ({e.Message}); "
                + $"the key must be in {MllpSettings.SectionName}:{nameof(MllpSettings.CertificateKeyPath)} or in the certificate's file, and an encrypted key needs {MllpSettings.SectionName}:{nameof(MllpSettings.CertificatePasswordFile)}.", e);
        }

        // Windows' TLS cannot use a key that exists only in memory (as a PEM key does); a PKCS#12 round trip gives it one.
        if (OperatingSystem.IsWindows())
        {
            using var ephemeral = leaf;
            leaf = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }

        var intermediates = new X509Certificate2Collection();
        foreach (var certificate in chain)
        {
            if (certificate.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
            {
                certificate.Dispose();
            }
            else
            {
                intermediates.Add(certificate);
            }
        }

        return new MllpServerCertificate(leaf, intermediates);
    }

    private static bool IsPem(string path)
    {
        Span<byte> head = stackalloc byte[64];
        using var file = File.OpenRead(path);
        var read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return head[..read].IndexOf("-----BEGIN "u8) >= 0;
    }

    private static string? ReadPassword(string passwordFile)
    {
        if (passwordFile.Length == 0)
        {
            return null;
        }

        var setting = $"{MllpSettings.SectionName}:{nameof(MllpSettings.CertificatePasswordFile)}";
        RequireFile(passwordFile, setting);
        try
        {
            // A trailing line break is what an editor or `echo` adds, not part of the password.
            return File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupConfigurationException($"{setting}: '{passwordFile}' could not be read ({e.Message}).", e);
        }
    }

    private static void RequireFile(string path, string setting)
    {
        if (!File.Exists(path))
        {
            throw new StartupConfigurationException($"{setting}: '{path}' does not exist (or is not a file this service may see).");
        }

        try
        {
            using var probe = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupConfigurationException($"{setting}: '{path}' could not be read ({e.Message}).", e);
        }
    }
}
