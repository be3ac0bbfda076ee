using System.Text.RegularExpressions;
using PveEmulator.Model;

namespace PveEmulator.Access;

/// <summary>Identifier formats of api.md §3 and the ACL path rules of §6.3 (AccessControl.pm, JSONSchema.pm).</summary>
internal static partial class Identifiers
{
    public const string RealmPattern = @"[A-Za-z][A-Za-z0-9\.\-_]+";
    public const string UserPartPattern = @"[^\s:/]+";
    public const string TokenSubIdPattern = RealmPattern;

    [GeneratedRegex(@"^(" + UserPartPattern + ")@(" + RealmPattern + ")$")]
    private static partial Regex UserIdRegex();

    [GeneratedRegex(@"^((" + UserPartPattern + ")@(" + RealmPattern + "))!(" + TokenSubIdPattern + ")$")]
    private static partial Regex TokenIdRegex();

    [GeneratedRegex(@"^" + RealmPattern + "$")]
    private static partial Regex RealmRegex();

    [GeneratedRegex(@"^[A-Za-z0-9\.\-_]+$")]
    private static partial Regex GroupOrRoleIdRegex();

    [GeneratedRegex(@"^[a-z][a-z0-9_-]+$", RegexOptions.IgnoreCase)]
    private static partial Regex ConfigIdRegex();

    [GeneratedRegex(@"[,;\s\0]+")]
    private static partial Regex ListSeparatorRegex();

    /// <summary>`pve-userid` format; returns the error text (ending in a newline) or null.</summary>
    public static string? CheckUserId(string value)
    {
        // verify_username: the length checks run before the pattern (checked against the real code).
        if (value.Length < 3)
        {
            return $"user name '{value}' is too short\n";
        }
        if (value.Length > 64)
        {
            return $"user name '{value}' is too long ({value.Length} > 64)\n";
        }
        return UserIdRegex().IsMatch(value) ? null : $"value '{value}' does not look like a valid user name\n";
    }

    public static bool IsUserId(string value) => CheckUserId(value) is null;

    /// <summary>Full token id `user@realm!tokenid`; returns (userid, tokenid) or null.</summary>
    public static (string UserId, string TokenId)? SplitTokenId(string value)
    {
        Match m = TokenIdRegex().Match(value);
        return m.Success ? (m.Groups[1].Value, m.Groups[4].Value) : null;
    }

    public static bool IsTokenSubId(string value) => Regex.IsMatch(value, "^" + TokenSubIdPattern + "$");

    public static bool IsRealm(string value) => RealmRegex().IsMatch(value);

    public static bool IsGroupId(string value) => GroupOrRoleIdRegex().IsMatch(value);

    public static bool IsRoleId(string value) => GroupOrRoleIdRegex().IsMatch(value);

    public static bool IsConfigId(string value) => ConfigIdRegex().IsMatch(value);

    /// <summary>The realm part of a valid user id (text after the last '@').</summary>
    public static string RealmOf(string userId) => userId[(userId.LastIndexOf('@') + 1)..];

    /// <summary>`PVE::Tools::split_list`: split on `,` `;` whitespace and NUL, dropping empty items.</summary>
    public static string[] SplitList(string? value) =>
        string.IsNullOrEmpty(value) ? [] : ListSeparatorRegex().Split(value).Where(s => s.Length > 0).ToArray();

    /// <summary>AccessControl.pm `normalize_path`: null for an empty path (Perl-false, so also "0").</summary>
    public static string? NormalizeAclPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "0")
        {
            return null;
        }
        string p = "/" + path;
        while (p.Contains("//", StringComparison.Ordinal))
        {
            p = p.Replace("//", "/", StringComparison.Ordinal);
        }
        if (p.Length > 1 && p.EndsWith('/'))
        {
            p = p[..^1];
        }
        // The character whitelist of normalize_path only untaints; check_path rejects bad characters.
        return p;
    }

    /// <summary>AccessControl.pm `check_path`: the whitelist of ACL paths of the emulated version.</summary>
    public static bool IsValidAclPath(string path, PveVersion version)
    {
        const string Id = @"[A-Za-z0-9\.\-_]+";
        const string Alnum = @"[A-Za-z0-9_\-]+";
        var sdn = new List<string> { "controllers", "dns", "ipams" };
        if (version.SdnFabricPaths)
        {
            sdn.Add("fabrics");
        }
        if (version.SdnRoutingPaths)
        {
            sdn.Add("prefix-lists");
            sdn.Add("route-maps");
        }
        string pattern =
            "^(?:/" +
            "|/access|/access/groups|/access/groups/" + Id + "|/access/realm|/access/realm/" + Id +
            "|/nodes|/nodes/" + Id +
            "|/pool|/pool/" + Id + "(?:/" + Id + "){0,2}" +
            "|/sdn|/sdn/(?:" + string.Join('|', sdn.Select(Regex.Escape)) + ")(?:/" + Alnum + ")?" +
            "|/sdn/zones(?:/" + Id + "(?:/" + Id + "(?:/[1-9][0-9]{0,3})?)?)?" +
            "|/storage|/storage/" + Id +
            "|/vms|/vms/[1-9][0-9]{2,}" +
            "|/mapping|/mapping/" + Id + "|/mapping/" + Id + "/" + Id +
            ")$";
        return Regex.IsMatch(path, pattern);
    }
}
