// The port type lattice: Any is the top and connects to everything; other types only to themselves.
import type { PortType } from "../api/modules";


export const PORT_COLORS: Record<PortType, string> = {
  DataFrame: "#0ea5e9",
  Model: "#8b5cf6",
  Metrics: "#f59e0b",
  Image: "#ec4899",
  File: "#64748b",
  Any: "#10b981",
};

export function portColor(type: string | undefined): string {
  return PORT_COLORS[(type ?? "Any") as PortType] ?? PORT_COLORS.Any;
}

export function typesCompatible(source: string, target: string): boolean {
  return source === target || source === "Any" || target === "Any";
}
