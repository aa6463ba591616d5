using System.Globalization;
using System.Net;
using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Hl7v2.Mllp;

/// <summary>
/// Section <c>Mllp</c>: the HL7 v2 MLLP listener (the interface engine's feed over TCP, optionally TLS). Off by default
/// (nothing listens until a hospital turns it on); when on, it listens on this machine only, to this machine only,
/// unless configured otherwise, because an MLLP connection carries PHI and authenticates nobody unless mutual TLS is set.
/// </summary>
public sealed class MllpSettings
{
    public const string SectionName = "Mllp";

    public const int MinMessageBytes = 1024;
    public const int MaxMessageBytesLimit = 64 * 1024 * 1024;

    /// <summary>This machine only: the default of <see cref="AllowedNetworks"/>.</summary>
    public static readonly IReadOnlyList<string> Loopback = ["127.0.0.0/8", "::1/128"];

    /// <summary>Listen at all (false: no socket is opened).</summary>
    public bool Enabled { get; init; }

    /// <summary>The local address listened on (an IP address; 0.0.0.0 or :: for every interface).</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>The TCP port (2575 is the port registered for HL7 MLLP); 0 takes any free port (tests).</summary>
    public int Port { get; init; } = 2575;

    /// <summary>The server certificate (PKCS#12/PFX, or PEM): set, connections are TLS 1.2/1.3; empty, plain TCP.</summary>
    public string CertificatePath { get; init; } = "";

    /// <summary>The PEM private key of <see cref="CertificatePath"/> when it is not in the same file.</summary>
    public string CertificateKeyPath { get; init; } = "";

    /// <summary>A file holding the password of the PFX (or of an encrypted PEM key), so the password is not in configuration.</summary>
    public string CertificatePasswordFile { get; init; } = "";

    /// <summary>
    /// SHA-256 thumbprints (hex) of the client certificates allowed to connect. Non-empty: mutual TLS, a client must
    /// present one of these (pinned: the thumbprint is the trust decision, so an interface engine's self-signed
    /// certificate works and a certificate merely issued by some trusted CA does not). Empty: no client certificate.
    /// </summary>
    public IReadOnlyList<string> ClientCertificateThumbprints { get; init; } = [];

    /// <summary>
    /// Networks (CIDR) that may connect. Empty (not configured): <see cref="Loopback"/>; a configured list replaces it
    /// (the configuration binder would append to a non-empty default).
    /// </summary>
    public IReadOnlyList<string> AllowedNetworks { get; init; } = [];

    /// <summary>Connections open at once; more are closed as soon as they are accepted (1–10000).</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>The largest payload of one frame in bytes (1 KB–64 MB); a frame growing past it closes the connection.</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>A connection silent this long (no byte received, no message in hand) is closed (5–86400).</summary>
    public int IdleTimeoutSeconds { get; init; } = 300;

    public TimeSpan IdleTimeout => TimeSpan.FromSeconds(IdleTimeoutSeconds);

    public bool UsesTls => !string.IsNullOrWhiteSpace(CertificatePath);

    public bool RequiresClientCertificate => ClientCertificateThumbprints.Count > 0;

    public static MllpSettings FromConfiguration(IConfiguration configuration) =>
        SettingsBinding.Bind(configuration, SectionName, new MllpSettings());

    /// <summary>The address and port to listen on; call only on settings without <see cref="Problems"/>.</summary>
    public IPEndPoint EndPoint() => new(IPAddress.Parse(Address.Trim()), Port);

    /// <summary>The allowed networks; call only on settings without <see cref="Problems"/>.</summary>
    public IReadOnlyList<IPNetwork> Networks() =>
        [.. (AllowedNetworks.Count == 0 ? Loopback : AllowedNetworks).Select(n => IPNetwork.Parse(n.Trim()))];

    /// <summary>The pinned client thumbprints, upper-case hex without separators; call only on settings without <see cref="Problems"/>.</summary>
    public IReadOnlySet<string> Thumbprints() =>
        ClientCertificateThumbprints.Select(NormaliseThumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Everything wrong with these settings, each naming its setting; empty when they can be used. With the listener
    /// on and a certificate set, the certificate is loaded too, so an unreadable file or a wrong password stops
    /// start-up (and <c>ConfigurationCheck</c> lists it) instead of failing every connection later.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!IPAddress.TryParse(Address?.Trim(), out _))
        {
            problems.Add($"{SectionName}:{nameof(Address)}: '{Address}' is not an IP address (such as 127.0.0.1, 10.20.0.7, 0.0.0.0 or ::).");
        }

        if (Port is < 0 or > 65535)
        {
            problems.Add($"{SectionName}:{nameof(Port)} ({Port}) must be from 0 to 65535 (0: any free port).");
        }

        foreach (var network in AllowedNetworks)
        {
            if (!IPNetwork.TryParse(network?.Trim(), out _))
            {
                problems.Add($"{SectionName}:{nameof(AllowedNetworks)}: '{network}' is not a network in CIDR notation (such as 10.20.0.0/16 or ::1/128).");
            }
        }

        if (MaxConnections is < 1 or > 10000)
        {
            problems.Add($"{SectionName}:{nameof(MaxConnections)} ({MaxConnections}) must be from 1 to 10000.");
        }

        if (MaxMessageBytes is < MinMessageBytes or > MaxMessageBytesLimit)
        {
            problems.Add($"{SectionName}:{nameof(MaxMessageBytes)} ({MaxMessageBytes}) must be from {MinMessageBytes} (1 KB) to {MaxMessageBytesLimit} (64 MB).");
        }

        if (IdleTimeoutSeconds is < 5 or > 86400)
        {
            problems.Add($"{SectionName}:{nameof(IdleTimeoutSeconds)} ({IdleTimeoutSeconds}) must be from 5 to 86400.");
        }

        foreach (var thumbprint in ClientCertificateThumbprints)
        {
            var hex = NormaliseThumbprint(thumbprint);
            if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
            {
                var sha1 = hex.Length == 40 && hex.All(char.IsAsciiHexDigit) ? " (this looks like a SHA-1 thumbprint)" : "";
                problems.Add($"{SectionName}:{nameof(ClientCertificateThumbprints)}: '{thumbprint}' is not a SHA-256 thumbprint: 64 hex digits{sha1}.");
            }
        }

        if (!UsesTls)
        {
            if (RequiresClientCertificate)
            {
                problems.Add($"{SectionName}:{nameof(ClientCertificateThumbprints)} needs {SectionName}:{nameof(CertificatePath)}: client certificates are asked for in the TLS handshake.");
            }

            foreach (var (name, value) in new[] { (nameof(CertificateKeyPath), CertificateKeyPath), (nameof(CertificatePasswordFile), CertificatePasswordFile) })
            {
                if (!string.IsNullOrWhiteSpace(value))
                {
                    problems.Add($"{SectionName}:{name} is set but {SectionName}:{nameof(CertificatePath)} is not: set the certificate too, or remove it.");
                }
            }
        }
        else if (Enabled)
        {
            try
            {
                using var certificate = MllpServerCertificate.Load(this);
            }
            catch (StartupConfigurationException e)
            {
                problems.Add(e.Message);
            }
        }

        return problems;
    }

    private static string NormaliseThumbprint(string? thumbprint) =>
        string.Concat((thumbprint ?? "").Where(c => c != ':' && !char.IsWhiteSpace(c))).ToUpper(CultureInfo.InvariantCulture);
}

/// <summary>Stops start-up when <see cref="MllpSettings.Problems"/> finds anything.</summary>
internal sealed class MllpSettingsValidator : IValidateOptions<MllpSettings>
{
    public ValidateOptionsResult Validate(string? name, MllpSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
