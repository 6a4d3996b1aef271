// Build step for libtorch on Linux distributions whose libstdc++ predates GCC 13; see
// build/LibTorchCompat.targets and build/README.md. This file is compiled twice: by MSBuild's
// RoslynCodeTaskFactory as the task, and by the test project (with ELF_VERSION_NEED_ONLY
// defined) so that the ELF logic is tested without MSBuild. The task factory compiles it
// against netstandard2.0, so it sticks to that API.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
#if !ELF_VERSION_NEED_ONLY
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks a symbol-version requirement weak in every copy of a shared library under a folder,
/// when the system's libstdc++ does not define that version.
/// </summary>
public sealed class WeakenElfVersionNeed : Task
{
    /// <summary>The output folder to search (recursively).</summary>
    [Required] public string Directory { get; set; } = "";

    /// <summary>The library's file name, e.g. libLibTorchSharp.so.</summary>
    [Required] public string FileName { get; set; } = "";

    /// <summary>The version requirement to weaken, e.g. GLIBCXX_3.4.32.</summary>
    [Required] public string VersionName { get; set; } = "";

    /// <summary>The files that were changed by this run.</summary>
    [Output] public ITaskItem[] PatchedFiles { get; set; } = Array.Empty<ITaskItem>();

    /// <inheritdoc />
    public override bool Execute()
    {
        if (!System.IO.Directory.Exists(Directory))
            return true;
        var libraries = System.IO.Directory.GetFiles(Directory, FileName, SearchOption.AllDirectories);
        if (libraries.Length == 0)
            return true;

        string? libstdcxx = ElfVersionNeed.FindSystemLibStdCxx();
        if (libstdcxx is null)
        {
            Log.LogMessage(MessageImportance.Low, "LibTorchCompat: no system libstdc++.so.6 found; nothing to do.");
            return true;
        }
        if (ElfVersionNeed.LibraryDefinesVersion(libstdcxx, VersionName))
        {
            Log.LogMessage(MessageImportance.Low, $"LibTorchCompat: {libstdcxx} defines {VersionName}; nothing to do.");
            return true;
        }

        var patched = new List<ITaskItem>();
        foreach (string library in libraries)
        {
            try
            {
                if (ElfVersionNeed.MarkWeak(library, VersionName))
                {
                    patched.Add(new TaskItem(library));
                    Log.LogMessage(MessageImportance.Normal,
                        $"LibTorchCompat: marked {VersionName} weak in {library} (system libstdc++ lacks it).");
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                Log.LogError($"LibTorchCompat: cannot patch {library}: {e.Message}");
            }
        }
        PatchedFiles = patched.ToArray();
        return !Log.HasLoggedErrors;
    }
}
#endif

/// <summary>
/// Reads and edits the GNU version-requirement table (.gnu.version_r) of a 64-bit
/// little-endian ELF shared library.
/// </summary>
public static class ElfVersionNeed
{
    /// <summary>VER_FLG_WEAK: the loader does not fail when the version is missing.</summary>
    public const ushort WeakFlag = 0x2;

    private const uint ShtGnuVerneed = 0x6ffffffe;

    private static readonly string[] LibStdCxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
    };

    /// <summary>The system's libstdc++.so.6, or null when none of the usual paths has it.</summary>
    public static string? FindSystemLibStdCxx()
    {
        foreach (string candidate in LibStdCxxCandidates)
            if (File.Exists(candidate))
                return candidate;
        return null;
    }

    /// <summary>
    /// True when the library defines the version name (it appears, NUL-terminated, in the
    /// file; libstdc++ keeps its version definitions in .dynstr).
    /// </summary>
    public static bool LibraryDefinesVersion(string libraryPath, string versionName)
    {
        byte[] bytes = File.ReadAllBytes(libraryPath);
        byte[] needle = Encoding.ASCII.GetBytes(versionName + "\0");
        return IndexOf(bytes, needle) >= 0;
    }

    /// <summary>
    /// The vna_flags of the requirement named <paramref name="versionName"/>, or null when the
    /// library does not require that version.
    /// </summary>
    public static ushort? ReadFlags(string libraryPath, string versionName)
    {
        byte[] bytes = File.ReadAllBytes(libraryPath);
        int offset = FindVernauxFlagsOffset(bytes, versionName, libraryPath);
        return offset < 0 ? null : BitConverter.ToUInt16(bytes, offset);
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on the requirement. Returns false when nothing had to change (already
    /// weak, or not required). The file is replaced, never written in place, and keeps its
    /// timestamp so that incremental builds do not copy it again.
    /// </summary>
    public static bool MarkWeak(string libraryPath, string versionName)
    {
        byte[] bytes = File.ReadAllBytes(libraryPath);
        int offset = FindVernauxFlagsOffset(bytes, versionName, libraryPath);
        if (offset < 0)
            return false;
        ushort flags = BitConverter.ToUInt16(bytes, offset);
        if ((flags & WeakFlag) != 0)
            return false;
        flags |= WeakFlag;
        bytes[offset] = (byte)flags;
        bytes[offset + 1] = (byte)(flags >> 8);

        var timestamp = File.GetLastWriteTimeUtc(libraryPath);
        string temporary = libraryPath + ".compat-tmp";
        File.WriteAllBytes(temporary, bytes);
        File.SetLastWriteTimeUtc(temporary, timestamp);
        File.Replace(temporary, libraryPath, destinationBackupFileName: null); // a rename: new inode
        return true;
    }

    private static int FindVernauxFlagsOffset(byte[] elf, string versionName, string path)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException($"{path}: not an ELF file (magic 7F 45 4C 46 expected).");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{path}: only 64-bit little-endian ELF is supported (class {elf[4]}, data {elf[5]}).");

        ulong sectionTable = BitConverter.ToUInt64(elf, 0x28);
        ushort sectionSize = BitConverter.ToUInt16(elf, 0x3A);
        ushort sectionCount = BitConverter.ToUInt16(elf, 0x3C);
        Check(sectionSize >= 64 && sectionTable + (ulong)sectionSize * sectionCount <= (ulong)elf.Length, path, "section header table");

        for (int i = 0; i < sectionCount; i++)
        {
            int header = checked((int)sectionTable + i * sectionSize);
            if (BitConverter.ToUInt32(elf, header + 4) != ShtGnuVerneed)
                continue;
            int tableOffset = checked((int)BitConverter.ToUInt64(elf, header + 0x18));
            uint link = BitConverter.ToUInt32(elf, header + 0x28);
            uint entryCount = BitConverter.ToUInt32(elf, header + 0x2C); // sh_info: number of Verneed entries
            Check(link < sectionCount, path, "sh_link of .gnu.version_r");
            int strings = checked((int)BitConverter.ToUInt64(elf, checked((int)sectionTable + (int)link * sectionSize) + 0x18));

            int verneed = tableOffset;
            for (uint n = 0; n < entryCount; n++)
            {
                Check(verneed >= 0 && verneed + 16 <= elf.Length, path, "Verneed entry");
                ushort auxCount = BitConverter.ToUInt16(elf, verneed + 2);
                int vernaux = verneed + (int)BitConverter.ToUInt32(elf, verneed + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    Check(vernaux >= 0 && vernaux + 16 <= elf.Length, path, "Vernaux entry");
                    int name = strings + (int)BitConverter.ToUInt32(elf, vernaux + 8);
                    if (StringAt(elf, name) == versionName)
                        return vernaux + 4;
                    vernaux += (int)BitConverter.ToUInt32(elf, vernaux + 12);
                }
                uint next = BitConverter.ToUInt32(elf, verneed + 12);
                if (next == 0)
                    break;
                verneed += (int)next;
            }
        }
        return -1;
    }

    private static string StringAt(byte[] bytes, int offset)
    {
        if (offset < 0 || offset >= bytes.Length)
            return "";
        int end = Array.IndexOf(bytes, (byte)0, offset);
        return Encoding.ASCII.GetString(bytes, offset, (end < 0 ? bytes.Length : end) - offset);
    }

    private static void Check(bool condition, string path, string what)
    {
        if (!condition)
            throw new InvalidDataException($"{path}: malformed ELF ({what} lies outside the file).");
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        int first = 0;
        while ((first = Array.IndexOf(haystack, needle[0], first)) >= 0 && first <= haystack.Length - needle.Length)
        {
            int k = 1;
            while (k < needle.Length && haystack[first + k] == needle[k])
                k++;
            if (k == needle.Length)
                return first;
            first++;
        }
        return -1;
    }
}
