using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CrsMonitor.Service.Hl7v2.Mllp;
using static CrsMonitor.Service.Tests.Hl7v2.Mllp.MllpKit;

namespace CrsMonitor.Service.Tests.Hl7v2.Mllp;

/// <summary>
/// TLS (<c>Mllp:CertificatePath</c>) with certificates made here: a PFX with its password in a file, PEM with the key
/// apart or in the same file; mutual TLS pinned by SHA-256 thumbprint (listed: served and named in
/// <see cref="MllpPeer.ClientCertificateSubject"/>; unlisted or none: refused, logged, nothing handed on).
/// </summary>
public sealed class MllpTlsTests
{
    private const string Password = "correct horse battery staple";
    private TempDirectory folder = null!;
    private X509Certificate2 server = null!;
    private X509Certificate2 client = null!;
    private X509Certificate2 stranger = null!;
    private string pfx = null!;
    private string passwordFile = null!;

    [SetUp]
    public async Task CreateCertificatesAsync()
    {
        folder = new TempDirectory();
        server = SelfSigned("localhost", server: true);
        client = SelfSigned("mllp-client", server: false);
        stranger = SelfSigned("mllp-stranger", server: false);
        pfx = Path.Combine(folder.Path, "server.pfx");
        await File.WriteAllBytesAsync(pfx, server.Export(X509ContentType.Pkcs12, Password));
        passwordFile = Path.Combine(folder.Path, "server.pfx.password");
        await File.WriteAllTextAsync(passwordFile, Password + "\n"); // as `echo` writes it
    }

    [TearDown]
    public void Delete()
    {
        server.Dispose();
        client.Dispose();
        stranger.Dispose();
        folder.Dispose();
    }

    [Test]
    public async Task APfxWithItsPasswordInAFile_ServesTls12Or13_AndTheAckComesBackOverIt()
    {
        await using var running = await StartAsync(Settings(certificatePath: pfx, certificatePasswordFile: passwordFile));
        using var tcp = await ConnectAsync(running.EndPoint);
        await using var tls = await ConnectTlsAsync(tcp, server);

        await tls.WriteAsync(Frame("MSH|over tls"));
        Assert.That(await ReadFrameAsync(tls), Is.EqualTo(Frame(AckOf("MSH|over tls"))));
        Assert.That(tls.SslProtocol, Is.EqualTo(SslProtocols.Tls13).Or.EqualTo(SslProtocols.Tls12));
        Assert.That(tls.RemoteCertificate!.GetCertHashString(HashAlgorithmName.SHA256), Is.EqualTo(server.GetCertHashString(HashAlgorithmName.SHA256)));
        Assert.That(running.Handler.Calls.Single().Peer.ClientCertificateSubject, Is.Null, "no client certificate asked for");
        Assert.That(LogText(running), Does.Contain("(TLS)"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task APemCertificate_WithItsKeyApartOrInTheSameFile_ServesTls(bool keyInSameFile)
    {
        var certificatePem = Path.Combine(folder.Path, "server.crt");
        var keyPem = Path.Combine(folder.Path, "server.key");
        var key = server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();
        if (keyInSameFile)
        {
            await File.WriteAllTextAsync(certificatePem, server.ExportCertificatePem() + "\n" + key);
        }
        else
        {
            await File.WriteAllTextAsync(certificatePem, server.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPem, key);
        }

        await using var running = await StartAsync(Settings(certificatePath: certificatePem, certificateKeyPath: keyInSameFile ? "" : keyPem));
        using var tcp = await ConnectAsync(running.EndPoint);
        await using var tls = await ConnectTlsAsync(tcp, server);
        await tls.WriteAsync(Frame("MSH|pem"));
        Assert.That(await ReadFrameAsync(tls), Is.EqualTo(Frame(AckOf("MSH|pem"))));
    }

    [Test]
    public async Task APlainTcpSender_OnATlsListener_GetsNoAck_AndNothingIsHandedOn()
    {
        await using var running = await StartAsync(Settings(certificatePath: pfx, certificatePasswordFile: passwordFile));
        using var tcp = await ConnectAsync(running.EndPoint);
        await WriteQuietlyAsync(tcp.GetStream(), Frame("MSH|plain"));
        var received = await ReadUntilClosedAsync(tcp.GetStream());
        Assert.That(received, Has.None.EqualTo((byte)0x0B), "whatever TLS alert came back, no MLLP frame did");
        Assert.That(running.Handler.Calls, Is.Empty);
    }

    [Test]
    public async Task MutualTls_AListedClientCertificate_IsServed_AndNamedInThePeer()
    {
        // Lower case with colons: the thumbprint as some tools print it.
        var listed = string.Join(':', Convert.ToHexStringLower(client.GetCertHash(HashAlgorithmName.SHA256)).Chunk(2).Select(c => new string(c)));
        await using var running = await StartAsync(Settings(certificatePath: pfx, certificatePasswordFile: passwordFile, thumbprints: [listed]));
        using var tcp = await ConnectAsync(running.EndPoint);
        await using var tls = await ConnectTlsAsync(tcp, server, client);
        await tls.WriteAsync(Frame("MSH|mutual"));

        Assert.That(await ReadFrameAsync(tls), Is.EqualTo(Frame(AckOf("MSH|mutual"))));
        Assert.That(running.Handler.Calls.Single().Peer.ClientCertificateSubject, Is.EqualTo("CN=mllp-client"));
        Assert.That(LogText(running), Does.Contain("(TLS, client certificate required)"));
    }

    [Test]
    public async Task MutualTls_AnUnlistedClientCertificate_IsRefused_Logged_AndNothingHandedOn()
    {
        await using var running = await StartAsync(Settings(
            certificatePath: pfx, certificatePasswordFile: passwordFile, thumbprints: [client.GetCertHashString(HashAlgorithmName.SHA256)]));

        Assert.That(await ExchangeAsync(running.EndPoint, stranger), Is.Empty);
        Assert.That(running.Handler.Calls, Is.Empty);
        var log = LogText(running);
        Assert.That(log, Does.Contain($"client certificate CN=mllp-stranger (SHA-256 {stranger.GetCertHashString(HashAlgorithmName.SHA256)}) is not in Mllp:ClientCertificateThumbprints"));
        Assert.That(log, Does.Contain("TLS handshake refused"));
    }

    [Test]
    public async Task MutualTls_NoClientCertificate_IsRefused()
    {
        await using var running = await StartAsync(Settings(
            certificatePath: pfx, certificatePasswordFile: passwordFile, thumbprints: [client.GetCertHashString(HashAlgorithmName.SHA256)]));

        Assert.That(await ExchangeAsync(running.EndPoint, clientCertificate: null), Is.Empty);
        Assert.That(running.Handler.Calls, Is.Empty);
        Assert.That(LogText(running), Does.Contain("no client certificate presented, and Mllp:ClientCertificateThumbprints requires one"));
    }

    /// <summary>Handshake, one message, and what came back before the close (empty when the handshake or the connection was refused).</summary>
    private async Task<byte[]> ExchangeAsync(IPEndPoint endPoint, X509Certificate2? clientCertificate)
    {
        using var tcp = await ConnectAsync(endPoint);
        SslStream tls;
        try
        {
            tls = await ConnectTlsAsync(tcp, server, clientCertificate);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return []; // TLS 1.2: the refusal ends the handshake
        }

        // TLS 1.3: the client's handshake ends before the server has judged its certificate; the refusal comes next.
        await using (tls)
        {
            try
            {
                await tls.WriteAsync(Frame("MSH|refused"));
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
            }

            return await ReadUntilClosedAsync(tls);
        }
    }
}
