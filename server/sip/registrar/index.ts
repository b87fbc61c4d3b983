export * from "./registrar";
