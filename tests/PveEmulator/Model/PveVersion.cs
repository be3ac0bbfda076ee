using System.Globalization;

namespace PveEmulator.Model;

/// <summary>
/// The emulated pve-manager version and the behaviour it selects. The access-control package
/// version is implied (api.md §0): 8.x ⇒ libpve-access-control 8.2.2, 9.x ⇒ the 9.x line.
/// </summary>
internal sealed class PveVersion
{
    private PveVersion(string text, int major, int minor, int patch)
    {
        Text = text;
        Major = major;
        Minor = minor;
        Patch = patch;
    }

    public string Text { get; }
    public int Major { get; }
    public int Minor { get; }
    public int Patch { get; }

    /// <summary>`release` of GET /version, e.g. "9.2".</summary>
    public string Release => Major.ToString(CultureInfo.InvariantCulture) + "." + Minor.ToString(CultureInfo.InvariantCulture);

    /// <summary>pve-manager 9.1.5 replaced the specific 401 texts by "Authentication failed!".</summary>
    public bool UnifiedAuthFailureText => AtLeast(9, 1, 5);

    /// <summary>access-control 9.0.2 dropped VM.Monitor and added VM.GuestAgent.*, 9.0.3 VM.Replicate (PVE 9.0).</summary>
    public bool HasGuestAgentPrivileges => Major >= 9;

    /// <summary>access-control 9.0.4 (shipped with PVE 9.1): token PUT `delete=comment`, `comment=""` deletes.</summary>
    public bool TokenCommentDeletion => AtLeast(9, 1, 0);

    /// <summary>access-control 9.1.0: token PUT `regenerate`; pve-manager 9.1.10 is the first to depend on it.</summary>
    public bool TokenRegenerate => AtLeast(9, 1, 10);

    /// <summary>/sdn/fabrics arrived with access-control 9.0.1, /sdn/prefix-lists and /sdn/route-maps with 9.1.0.</summary>
    public bool SdnFabricPaths => Major >= 9;

    public bool SdnRoutingPaths => AtLeast(9, 1, 0);

    public bool AtLeast(int major, int minor, int patch) =>
        Major != major ? Major > major : Minor != minor ? Minor > minor : Patch >= patch;

    public static PveVersion Parse(string text)
    {
        string[] parts = text.Split('.', '-', '~');
        int Part(int i) => parts.Length > i && int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : 0;
        if (parts.Length < 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new ArgumentException($"PVE version '{text}' is not of the form MAJOR.MINOR[.PATCH]", nameof(text));
        }
        return new PveVersion(text, Part(0), Part(1), Part(2));
    }
}
