using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace PveEmulator.Auth;

/// <summary>
/// Session tickets `PVE:&lt;data&gt;:&lt;8 hex time&gt;::&lt;base64 signature&gt;` and CSRF tokens
/// `&lt;8 hex time&gt;:&lt;43 base64&gt;` (PVE::Ticket). Real PVE signs tickets with RSA; an HMAC
/// with a per-process key has the same observable shape and validity rules.
/// </summary>
internal sealed partial class TicketService(int lifetimeSeconds)
{
    /// <summary>PVE accepts tickets up to 5 minutes from the future (clock skew between nodes).</summary>
    private const int ClockSkewSeconds = 300;

    private const int CsrfLifetimeSeconds = 7200;

    private readonly byte[] _ticketKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _csrfKey = RandomNumberGenerator.GetBytes(32);

    [GeneratedRegex(@"^PVE:([^:\s]+):([0-9A-F]{8})::([A-Za-z0-9+/=]+)$")]
    private static partial Regex TicketRegex();

    [GeneratedRegex(@"^([0-9A-F]{8}):([A-Za-z0-9+/]{43})$")]
    private static partial Regex CsrfRegex();

    /// <summary>A ticket for <paramref name="data"/> (a user id, or "!tfa!…" for a half-authenticated login bound to <paramref name="aad"/>).</summary>
    public string Create(string data, string? aad = null)
    {
        string plain = $"PVE:{data}:{Hex(EmulatorState.Now())}";
        return plain + "::" + Convert.ToBase64String(Sign(_ticketKey, plain, aad));
    }

    /// <summary>The ticket's data when signature and age are valid, else null.</summary>
    public string? Verify(string ticket, string? aad = null)
    {
        Match m = TicketRegex().Match(ticket);
        if (!m.Success)
        {
            return null;
        }
        string plain = $"PVE:{m.Groups[1].Value}:{m.Groups[2].Value}";
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(m.Groups[3].Value);
        }
        catch (FormatException)
        {
            return null;
        }
        if (!CryptographicOperations.FixedTimeEquals(signature, Sign(_ticketKey, plain, aad)))
        {
            return null;
        }
        long age = EmulatorState.Now() - long.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return age < -ClockSkewSeconds || age > lifetimeSeconds ? null : m.Groups[1].Value;
    }

    public string CreateCsrfToken(string userId)
    {
        string time = Hex(EmulatorState.Now());
        return time + ":" + Convert.ToBase64String(Sign(_csrfKey, time + ":" + userId, null)).TrimEnd('=');
    }

    public bool VerifyCsrfToken(string userId, string? token)
    {
        Match m = token is null ? Match.Empty : CsrfRegex().Match(token);
        if (!m.Success)
        {
            return false;
        }
        string time = m.Groups[1].Value;
        string expected = Convert.ToBase64String(Sign(_csrfKey, time + ":" + userId, null)).TrimEnd('=');
        long age = EmulatorState.Now() - long.Parse(time, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(m.Groups[2].Value))
            && age >= -ClockSkewSeconds && age <= CsrfLifetimeSeconds;
    }

    private static string Hex(long time) => time.ToString("X8", CultureInfo.InvariantCulture);

    private static byte[] Sign(byte[] key, string plain, string? aad) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(aad is null ? plain : plain + "\0" + aad));
}
