using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CrsMonitor.Service.Hosting;

/// <summary>
/// The size limits of a request's address and headers, enforced by the service itself so that the refusal carries a
/// body (an OperationOutcome under /fhir, problem+json elsewhere, written by the status code pages): Kestrel refuses
/// what it cannot parse before any application code runs, with an empty body. Kestrel's own limits are set a little
/// above these (<see cref="ConfigureKestrel"/>), so only a request beyond them gets Kestrel's bare 414 or 431.
/// </summary>
public sealed class RequestLimits(RequestDelegate next)
{
    /// <summary>The longest request target (path and query) answered; longer is 414 with a body.</summary>
    public const int MaxTargetLength = 8 * 1024;

    /// <summary>The most header bytes (names, values and separators) answered; more is 431 with a body.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    /// <summary>Kestrel's limits: room above ours, so that the requests we refuse reach us.</summary>
    public const int KestrelMaxRequestLine = 2 * MaxTargetLength + 64;

    public const int KestrelMaxHeaderBytes = 2 * MaxHeaderBytes;

    public static void ConfigureKestrel(KestrelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Limits.MaxRequestLineSize = KestrelMaxRequestLine;
        options.Limits.MaxRequestHeadersTotalSize = KestrelMaxHeaderBytes;
    }

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Empty;
        if (target.Length > MaxTargetLength)
        {
            context.Response.StatusCode = StatusCodes.Status414UriTooLong;
            return Task.CompletedTask;
        }

        // As Kestrel counts them: "name: value\r\n" per value.
        long headerBytes = 0;
        foreach (var (name, values) in context.Request.Headers)
        {
            foreach (var value in values)
            {
                headerBytes += name.Length + (value?.Length ?? 0) + 4;
            }
        }

        if (headerBytes > MaxHeaderBytes)
        {
            context.Response.StatusCode = StatusCodes.Status431RequestHeaderFieldsTooLarge;
            return Task.CompletedTask;
        }

        return next(context);
    }
}
