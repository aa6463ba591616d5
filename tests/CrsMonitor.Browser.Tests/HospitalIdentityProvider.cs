using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// A hospital's OpenID Connect provider, as small as the authorization code flow with PKCE needs, over real HTTP on
/// loopback (Kestrel in the test process): discovery, JWKS (RSA), an authorize endpoint with a sign-in page (one button
/// per account), and a token endpoint that checks client, redirect URI, single use of the code and the PKCE verifier
/// (S256), then issues an RS256 access token for <see cref="Audience"/> with role and unit claims. Its discovery, JWKS
/// and token answers carry CORS headers for the dashboard's origin, as providers do for single-page clients.
/// </summary>
public sealed class HospitalIdentityProvider : IAsyncDisposable
{
    public const string Audience = "crsmonitor";
    public const string ClientId = "crsmonitor-dashboard";

    private readonly WebApplication app;
    private readonly RSA rsa = RSA.Create(2048);
    private readonly RsaSecurityKey key;
    private readonly ConcurrentDictionary<string, Grant> codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Account> accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> refused = new();
    private string? redirectUri;
    private string? origin;

    private HospitalIdentityProvider(WebApplication app, Uri address)
    {
        this.app = app;
        Issuer = new Uri(address, "/realms/ward").ToString();
        key = new RsaSecurityKey(rsa) { KeyId = "ward-key-1" };
    }

    /// <summary>The issuer (Identity:Authority).</summary>
    public string Issuer { get; }

    /// <summary>Token requests refused, with why (a test shows the dashboard's request was the right one).</summary>
    public IReadOnlyList<string> Refused => [.. refused];

    /// <summary>Codes exchanged for tokens.</summary>
    public int Exchanged { get; private set; }

    public static async Task<HospitalIdentityProvider> StartAsync()
    {
        // The issuer names the port, and endpoints must be mapped before the app starts: the port is chosen first.
        var port = ServiceProcess.FreeLoopbackPort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var provider = new HospitalIdentityProvider(app, new Uri($"http://127.0.0.1:{port}/"));
        provider.Map();
        await app.StartAsync().ConfigureAwait(false);
        return provider;
    }

    /// <summary>Registers the dashboard's client: its redirect URI (the service's address) and origin (CORS).</summary>
    public void RegisterDashboard(Uri serviceAddress)
    {
        ArgumentNullException.ThrowIfNull(serviceAddress);
        redirectUri = serviceAddress.ToString();
        origin = serviceAddress.GetLeftPart(UriPartial.Authority);
    }

    /// <summary>An account the sign-in page offers: its button signs in as <paramref name="subject"/>.</summary>
    public void AddAccount(string subject, string role, params string[] units) => accounts[subject] = new Account(subject, role, units);

    /// <summary>A token as the provider issues it (also for the EHR interface's integration client, by client credentials).</summary>
    public string Issue(string subject, string role, IReadOnlyList<string> units, TimeSpan lifetime)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["role"] = role, ["unit"] = units.ToArray(), ["scope"] = "openid profile" },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        rsa.Dispose();
    }

    private void Map()
    {
        var path = new Uri(Issuer).AbsolutePath;
        app.MapGet($"{path}/.well-known/openid-configuration", (HttpContext context) =>
        {
            Cors(context);
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = Issuer,
                ["authorization_endpoint"] = $"{Issuer}/protocol/openid-connect/auth",
                ["token_endpoint"] = $"{Issuer}/protocol/openid-connect/token",
                ["jwks_uri"] = $"{Issuer}/protocol/openid-connect/certs",
                ["response_types_supported"] = new[] { "code" },
                ["subject_types_supported"] = new[] { "public" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["code_challenge_methods_supported"] = new[] { "S256" },
            });
        });
        app.MapGet($"{path}/protocol/openid-connect/certs", (HttpContext context) =>
        {
            Cors(context);
            var parameters = rsa.ExportParameters(false);
            return Results.Json(new
            {
                keys = new[]
                {
                    new { kty = "RSA", use = "sig", alg = "RS256", kid = key.KeyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) },
                },
            });
        });
        app.MapGet($"{path}/protocol/openid-connect/auth", Authorize);
        app.MapPost($"{path}/protocol/openid-connect/auth", SignIn);
        app.MapPost($"{path}/protocol/openid-connect/token", (Delegate)TokenAsync);
    }

    /// <summary>The sign-in page: checks the request, then offers one button per account (a form posting back here).</summary>
    private IResult Authorize(HttpContext context)
    {
        var q = context.Request.Query;
        string? problem = q["response_type"] != "code" ? "response_type must be code"
            : q["client_id"] != ClientId ? $"unknown client_id '{q["client_id"]}'"
            : q["redirect_uri"] != redirectUri ? $"redirect_uri '{q["redirect_uri"]}' is not registered"
            : q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]) ? "PKCE with S256 is required"
            : string.IsNullOrEmpty(q["state"]) ? "state is required"
            : !q["scope"].ToString().Split(' ').Contains("openid") ? "scope must include openid"
            : null;
        if (problem is not null)
        {
            return Results.Content($"<!doctype html><title>Sign-in error</title><p id=\"idp-error\">{WebUtility.HtmlEncode(problem)}</p>", "text/html", statusCode: 400);
        }

        var hidden = string.Concat(new[] { "redirect_uri", "state", "code_challenge" }
            .Select(n => $"<input type=\"hidden\" name=\"{n}\" value=\"{WebUtility.HtmlEncode(q[n])}\">"));
        var buttons = string.Concat(accounts.Values.OrderBy(a => a.Subject, StringComparer.Ordinal)
            .Select(a => $"<button name=\"account\" value=\"{WebUtility.HtmlEncode(a.Subject)}\">Sign in as {WebUtility.HtmlEncode(a.Subject)}</button>"));
        return Results.Content(
            $"<!doctype html><title>Ward identity provider</title><h1>Hospital sign-in</h1><form method=\"post\">{hidden}{buttons}</form>",
            "text/html");
    }

    /// <summary>The account's button: a single-use code bound to the challenge, back to the redirect URI with the state.</summary>
    private IResult SignIn(HttpContext context)
    {
        var form = context.Request.Form;
        if (!accounts.TryGetValue(form["account"].ToString(), out var account) || form["redirect_uri"] != redirectUri)
        {
            return Results.BadRequest("unknown account or redirect URI");
        }

        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
        codes[code] = new Grant(account, form["code_challenge"].ToString(), redirectUri!);
        return Results.Redirect($"{redirectUri}?code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(form["state"].ToString())}");
    }

    private async Task<IResult> TokenAsync(HttpContext context)
    {
        Cors(context);
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        IResult Refuse(string error, string why)
        {
            refused.Enqueue(why);
            return Results.Json(new { error, error_description = why }, statusCode: 400);
        }

        if (form["grant_type"] != "authorization_code")
        {
            return Refuse("unsupported_grant_type", $"grant_type '{form["grant_type"]}'");
        }

        if (!codes.TryRemove(form["code"].ToString(), out var grant))
        {
            return Refuse("invalid_grant", "unknown or used code");
        }

        if (form["client_id"] != ClientId || form["redirect_uri"] != grant.RedirectUri)
        {
            return Refuse("invalid_grant", "client or redirect URI differs from the authorization request");
        }

        var verifier = form["code_verifier"].ToString();
        if (verifier.Length < 43 || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != grant.Challenge)
        {
            return Refuse("invalid_grant", "PKCE verifier does not match the challenge");
        }

        Exchanged++;
        var lifetime = TimeSpan.FromMinutes(30);
        return Results.Json(new
        {
            access_token = Issue(grant.Account.Subject, grant.Account.Role, grant.Account.Units, lifetime),
            token_type = "Bearer",
            expires_in = (int)lifetime.TotalSeconds,
            scope = "openid profile",
        });
    }

    private void Cors(HttpContext context)
    {
        if (origin is not null)
        {
            context.Response.Headers.AccessControlAllowOrigin = origin;
        }
    }

    private sealed record Account(string Subject, string Role, string[] Units);

    private sealed record Grant(Account Account, string Challenge, string RedirectUri);
}
